"""Looking at a migrated database: its drift from the models, its tables, its unique constraints and indexes."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool, text
from sqlalchemy.exc import IntegrityError

import novel_pyramid.models  # noqa: F401  (every table on the metadata)
from novel_pyramid.db import ModelBase
from novel_pyramid.db.urls import with_installed_driver


def schema_differences(url):
    """What ``alembic check`` would call drift: [] when the schema matches the models."""
    engine = create_engine(with_installed_driver(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, ModelBase.metadata)
    finally:
        engine.dispose()


def table_names(url):
    engine = create_engine(with_installed_driver(url), poolclass=pool.NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def unique_shape(url, tables=("users", "user_settings", "history")):
    """Each table's unique constraints and indexes, as the database itself reports them.

    Stricter than ``alembic check``, which overlooks SQLite's unnamed constraints.
    An index PostgreSQL keeps behind a unique constraint is that constraint, not listed twice.
    """
    engine = create_engine(with_installed_driver(url), poolclass=pool.NullPool)
    try:
        inspector = inspect(engine)
        return {
            table: {
                "unique constraints": sorted(
                    (str(uq["name"]), tuple(uq["column_names"])) for uq in inspector.get_unique_constraints(table)
                ),
                "indexes": sorted(
                    (ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
                    for ix in inspector.get_indexes(table)
                    if "duplicates_constraint" not in ix
                ),
            }
            for table in tables
        }
    finally:
        engine.dispose()


def physical_schema(url):
    """What any DDL would change: every table, index and constraint, with where it is stored.

    A table SQLite rebuilt moves to another root page; a PostgreSQL relation built
    again gets another oid. Equal snapshots mean no DDL ran in between.
    """
    if url.startswith("sqlite"):
        query = "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master ORDER BY name"
    else:
        query = (
            "SELECT c.relname, c.relkind, c.oid::bigint, c.relfilenode::bigint, "
            "(SELECT array_agg(k.conname::text ORDER BY k.conname) FROM pg_constraint k WHERE k.conrelid = c.oid) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() ORDER BY c.relname"
        )
    engine = create_engine(with_installed_driver(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query))]
    finally:
        engine.dispose()


# Each repeats a unique value of the legacy rows (tests/migrations/legacy_db.py).
LEGACY_DUPLICATES = {
    "a second settings row for a user": "INSERT INTO user_settings (user_id, sentence_length_limit) VALUES (1, 9)",
    "a second user with an e-mail": (
        "INSERT INTO users (email, created_at, is_active) VALUES ('zoe@example.fr', '2025-01-01', true)"
    ),
    "a second user with a Google id": (
        "INSERT INTO users (email, google_id, created_at, is_active) "
        "VALUES ('other@example.fr', '104857600000000000001', '2025-01-01', true)"
    ),
}


def accepted_duplicates(url):
    """Which of LEGACY_DUPLICATES the database at ``url`` accepts (each rolled back): [] when every rule holds."""
    engine = create_engine(with_installed_driver(url), poolclass=pool.NullPool)
    accepted = []
    try:
        for what, statement in LEGACY_DUPLICATES.items():
            with engine.connect() as connection:
                try:
                    connection.execute(text(statement))
                except IntegrityError:
                    continue
                accepted.append(what)
    finally:
        engine.dispose()
    return accepted
