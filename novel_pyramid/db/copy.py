"""Copy a novel_pyramid database (typically the legacy SQLite file) into PostgreSQL.

All or nothing: the whole copy runs in ONE transaction on the target. Tables are
locked, checked empty, filled in dependency order in batches, their sequences
moved past the copied ids, and the verification pass (row counts and a SHA-256
over every column, both sides) runs inside that same transaction. Only when
every table matches is it committed. An error, a refused value, Ctrl-C, or a
killed process (PostgreSQL rolls back a transaction whose client is gone) all
leave the target as it was: migrated but empty, ready for another attempt. No
marker table is needed because nothing half-done is ever visible.
"""

import time
from dataclasses import dataclass, field

from sqlalchemy import (
    JSON,
    Integer,
    Text,
    column,
    create_engine,
    inspect,
    pool,
    table,
    text,
)
from sqlalchemy.exc import DBAPIError

from novel_pyramid.db import ModelBase
from novel_pyramid.db.copy_rows import (
    converted_batches,
    count_rows,
    primary_key_value,
    table_digest,
)
from novel_pyramid.db.copy_source import source_at_head
from novel_pyramid.db.migrate import upgrade_to_head
from novel_pyramid.db.urls import with_installed_driver

DEFAULT_BATCH_SIZE = 1000
# How long the copy waits for the application to release the target's tables.
POSTGRESQL_LOCK_TIMEOUT = "10s"


class CopyRefused(Exception):
    """The copy did not start or was rolled back; the target holds nothing new."""


class VerificationFailed(CopyRefused):
    """Some table differs between source and target: the copy was rolled back."""

    def __init__(self, report, message):
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class CopyOptions:
    batch_size: int = DEFAULT_BATCH_SIZE
    replace_target_data: bool = False
    upgrade_source_in_place: bool = False
    # Seconds to sleep after each batch: lets tests interrupt a copy mid-table.
    throttle_seconds: float = 0.0


@dataclass
class TableResult:
    name: str
    rows: int = 0
    seconds: float = 0.0
    source: object = None
    target: object = None

    @property
    def verified(self):
        return self.source is not None and self.source == self.target


@dataclass
class CopyReport:
    tables: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def verified(self):
        return all(result.verified for result in self.tables)

    @property
    def rows(self):
        return sum(result.rows for result in self.tables)


def copy_database(source_url, target_url, options=CopyOptions(), progress=None, note=print):
    """Copy every table of ``source_url`` into ``target_url``; return the verified report.

    ``progress(table_name, rows_done, rows_total)`` is called after every batch.
    """
    progress = progress or (lambda name, done, total: None)
    started = time.perf_counter()
    with source_at_head(source_url, options.upgrade_source_in_place, note) as readable_source:
        _refuse_foreign_tables(target_url)
        note("Migrating the target to head.")
        upgrade_to_head(target_url)
        report = _copy_in_one_transaction(readable_source, target_url, options, progress)
    report.seconds = time.perf_counter() - started
    return report


def tables_in_dependency_order():
    return list(ModelBase.metadata.sorted_tables)


def _copy_in_one_transaction(source_url, target_url, options, progress):
    source_engine = _engine(source_url, read_only_snapshot=True)
    target_engine = _engine(target_url)
    try:
        with source_engine.connect() as source, target_engine.connect() as target:
            transaction = target.begin()
            try:
                report = _copy_all(source, target, options, progress)
            except BaseException:
                # Also on KeyboardInterrupt/SystemExit: say so before the connection closes.
                transaction.rollback()
                raise
            transaction.commit()
            return report
    finally:
        source_engine.dispose()
        target_engine.dispose()


def _copy_all(source, target, options, progress):
    tables = tables_in_dependency_order()
    _lock(target, tables)
    occupied = [t.name for t in tables if target.execute(t.select().limit(1)).first()]
    if occupied and not options.replace_target_data:
        raise CopyRefused(
            "The target already holds data (tables: " + ", ".join(occupied) + "). Nothing was "
            "copied. Give an empty database, or pass --replace-target-data to delete it first."
        )
    if occupied:
        _delete_all(target, tables)
    report = CopyReport()
    for model_table in tables:
        report.tables.append(_copy_table(source, target, model_table, options, progress))
    _move_sequences_past_copied_ids(target, tables)
    for result, model_table in zip(report.tables, tables, strict=True):
        result.source = table_digest(source, model_table)
        result.target = table_digest(target, model_table)
    if not report.verified:
        failed = ", ".join(result.name for result in report.tables if not result.verified)
        raise VerificationFailed(report, f"Verification failed for: {failed}. Rolled back.")
    return report


def _copy_table(source, target, model_table, options, progress):
    result = TableResult(model_table.name)
    started = time.perf_counter()
    total = count_rows(source, model_table)
    progress(model_table.name, 0, total)
    insert = _insert_statement(model_table)
    names = [col.name for col in model_table.columns]
    for batch in converted_batches(source, model_table, options.batch_size):
        try:
            target.execute(insert, [dict(zip(names, row, strict=True)) for row in batch])
        except DBAPIError as refused:
            first = primary_key_value(model_table, batch[0])
            last = primary_key_value(model_table, batch[-1])
            raise CopyRefused(
                f"The target refused table {model_table.name}, rows with ids {first!r} to "
                f"{last!r}: {refused.orig}. Rolled back; nothing was copied."
            ) from None
        result.rows += len(batch)
        progress(model_table.name, result.rows, total)
        if options.throttle_seconds:
            time.sleep(options.throttle_seconds)
    result.seconds = time.perf_counter() - started
    return result


def _insert_statement(model_table):
    # JSON travels as its original text (see copy_values.to_json_text).
    columns = [column(col.name, Text() if isinstance(col.type, JSON) else col.type) for col in model_table.columns]
    return table(model_table.name, *columns).insert()


def _lock(target, tables):
    if target.dialect.name != "postgresql":
        return
    names = ", ".join(t.name for t in tables)
    target.execute(text(f"SET LOCAL lock_timeout = '{POSTGRESQL_LOCK_TIMEOUT}'"))
    try:
        # EXCLUSIVE blocks writers (the application, a second copy) but not readers.
        target.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
    except DBAPIError:
        raise CopyRefused(
            f"Could not lock the target's tables within {POSTGRESQL_LOCK_TIMEOUT}: something "
            "(the application, another copy?) is using them. Stop it and run the copy again."
        ) from None


def _delete_all(target, tables):
    if target.dialect.name == "postgresql":
        names = ", ".join(t.name for t in tables)
        target.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
        return
    for model_table in reversed(tables):
        target.execute(model_table.delete())


def _move_sequences_past_copied_ids(target, tables):
    """New rows must get ids after the copied ones, not collide with them."""
    if target.dialect.name != "postgresql":
        return  # SQLite picks max(id) + 1 by itself.
    for model_table in tables:
        key = list(model_table.primary_key.columns)
        if len(key) != 1 or not isinstance(key[0].type, Integer):
            continue
        name, id_column = model_table.name, key[0].name
        target.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE((SELECT MAX({id_column}) FROM {name}), 0) + 1, false)"
            ),
            {"table": name, "column": id_column},
        )


def _refuse_foreign_tables(target_url):
    engine = _engine(target_url)
    try:
        present = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    foreign = present - {t.name for t in tables_in_dependency_order()} - {"alembic_version"}
    if foreign:
        raise CopyRefused(
            "The target database holds tables that are not novel_pyramid's ("
            + ", ".join(sorted(foreign))
            + "). Give an empty database created for novel_pyramid."
        )


def _engine(url, read_only_snapshot=False):
    url = with_installed_driver(url)
    options = {"poolclass": pool.NullPool}
    if read_only_snapshot and url.startswith("postgresql"):
        # Both passes over a live PostgreSQL source see the same snapshot.
        options["isolation_level"] = "REPEATABLE READ"
    return create_engine(url, **options)
