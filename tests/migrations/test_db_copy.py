"""``novel-pyramid db copy``: a legacy SQLite deployment moves to PostgreSQL with nothing lost."""

import datetime
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool, select, text

import novel_pyramid.models  # noqa: F401
from novel_pyramid.db import ModelBase
from novel_pyramid.db.copy import CopyOptions, CopyRefused, copy_database
from novel_pyramid.db.copy_rows import ValueCannotBeCopied
from novel_pyramid.db.migrate import current_revision, head_revision, upgrade_to_head
from novel_pyramid.db.urls import with_installed_driver
from tests.migrations.legacy_db import LEGACY_TABLES, build_legacy_sqlite

pytestmark = pytest.mark.postgresql

REPOSITORY = Path(__file__).resolve().parents[2]
HISTORY_ROWS = 10_000
DATETIME_COLUMNS = {"created_at", "last_login", "google_token_expiry", "timestamp", "updated_at"}


@pytest.fixture(scope="module")
def legacy_10k(tmp_path_factory):
    path = tmp_path_factory.mktemp("legacy") / "legacy-10k.sqlite"
    return build_legacy_sqlite(str(path), history_count=HISTORY_ROWS)


def quiet(message):
    pass


def file_sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def expected_rows(legacy_path, table):
    """The legacy rows as PostgreSQL should hold them, converted independently of the copy."""
    connection = sqlite3.connect(legacy_path)
    cursor = connection.execute(f"SELECT * FROM {table} ORDER BY id")
    names = [description[0] for description in cursor.description]
    rows = []
    for raw in cursor.fetchall():
        row = {}
        for name, value in zip(names, raw, strict=True):
            if value is not None and name in DATETIME_COLUMNS:
                value = datetime.datetime.fromisoformat(value)
            if name == "is_active":
                value = {0: False, 1: True}[value]
            row[name] = value
        rows.append(row)
    connection.close()
    return names, rows


def target_rows(engine, table, names):
    model_table = ModelBase.metadata.tables[table]
    with engine.connect() as connection:
        statement = select(*[model_table.c[name] for name in names]).order_by(model_table.c.id)
        return [dict(row._mapping) for row in connection.execute(statement)]


def target_counts(url):
    engine = create_engine(with_installed_driver(url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        counts = {
            t.name: connection.execute(text(f"SELECT count(*) FROM {t.name}")).scalar_one()
            for t in ModelBase.metadata.sorted_tables
        }
    engine.dispose()
    return counts


def test_legacy_sqlite_copies_into_postgresql_with_nothing_lost(legacy_10k, postgresql_url):
    original_hash = file_sha256(legacy_10k)

    report = copy_database(f"sqlite:///{legacy_10k}", postgresql_url, note=quiet)

    assert report.verified
    for result in report.tables:
        assert result.source == result.target
    assert {r.name: r.rows for r in report.tables}["history"] == HISTORY_ROWS
    # The user's file was read through a snapshot: not even its revision changed.
    assert file_sha256(legacy_10k) == original_hash
    assert current_revision(f"sqlite:///{legacy_10k}") == "997f943cdd21"

    engine = create_engine(with_installed_driver(postgresql_url), poolclass=pool.NullPool)
    for table in LEGACY_TABLES:
        names, expected = expected_rows(legacy_10k, table)
        copied = target_rows(engine, table, names)
        assert copied == expected, table
        for column in ModelBase.metadata.tables[table].columns:
            if column.nullable and column.name in names:
                # Every nullable column really carries NULLs (the data set proves something).
                assert any(row[column.name] is None for row in copied), (table, column.name)
    engine.dispose()


def test_new_rows_after_the_copy_get_fresh_ids(legacy_sqlite, postgresql_url):
    copy_database(f"sqlite:///{legacy_sqlite}", postgresql_url, note=quiet)
    engine = create_engine(with_installed_driver(postgresql_url), poolclass=pool.NullPool)
    with engine.begin() as connection:
        user_id = connection.execute(
            text("INSERT INTO users (email, created_at, is_active) VALUES ('new@example.fr', now(), true) RETURNING id")
        ).scalar_one()
        history_id = connection.execute(
            text("INSERT INTO history (user_id, timestamp) VALUES (:u, now()) RETURNING id"),
            {"u": user_id},
        ).scalar_one()
        settings_id = connection.execute(
            text("INSERT INTO user_settings (user_id, sentence_length_limit) VALUES (:u, 8) RETURNING id"),
            {"u": user_id},
        ).scalar_one()
    engine.dispose()
    assert (user_id, history_id, settings_id) == (7, 201, 4)


def test_running_the_copy_twice_refuses(legacy_sqlite, postgresql_url):
    copy_database(f"sqlite:///{legacy_sqlite}", postgresql_url, note=quiet)
    before = target_counts(postgresql_url)

    with pytest.raises(CopyRefused, match="already holds data"):
        copy_database(f"sqlite:///{legacy_sqlite}", postgresql_url, note=quiet)

    assert target_counts(postgresql_url) == before


def test_a_target_with_a_foreign_row_refuses(legacy_sqlite, postgresql_url):
    upgrade_to_head(postgresql_url)
    engine = create_engine(with_installed_driver(postgresql_url), poolclass=pool.NullPool)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO users (email, created_at, is_active) VALUES ('someone@else.org', now(), true)")
        )

    with pytest.raises(CopyRefused, match="users"):
        copy_database(f"sqlite:///{legacy_sqlite}", postgresql_url, note=quiet)

    with engine.connect() as connection:
        emails = connection.execute(text("SELECT email FROM users")).scalars().all()
    assert emails == ["someone@else.org"]

    # Told to, the copy replaces it, still in one transaction.
    options = CopyOptions(replace_target_data=True)
    assert copy_database(f"sqlite:///{legacy_sqlite}", postgresql_url, options, note=quiet).verified
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM users WHERE email = 'someone@else.org'")).scalar_one() == 0
    engine.dispose()


def test_a_target_holding_other_tables_refuses(legacy_sqlite, postgresql_url):
    engine = create_engine(with_installed_driver(postgresql_url), poolclass=pool.NullPool)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE invoices (id integer primary key)"))
    engine.dispose()
    with pytest.raises(CopyRefused, match="invoices"):
        copy_database(f"sqlite:///{legacy_sqlite}", postgresql_url, note=quiet)
    assert current_revision(postgresql_url) is None


@pytest.mark.parametrize(
    ("table", "column", "row_id", "bad_value"),
    [
        ("history", "timestamp", 42, "le 3 mai"),
        ("users", "is_active", 2, "oui"),
        ("history", "original_filename", 7, "é" * 129),
    ],
)
def test_a_value_that_cannot_be_converted_stops_the_copy_naming_it(
    legacy_sqlite, postgresql_url, table, column, row_id, bad_value
):
    with sqlite3.connect(legacy_sqlite) as connection:
        connection.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (bad_value, row_id))

    with pytest.raises(ValueCannotBeCopied) as refused:
        copy_database(f"sqlite:///{legacy_sqlite}", postgresql_url, note=quiet)

    message = str(refused.value)
    assert f"table {table}, row id {row_id}, column {column}" in message
    assert set(target_counts(postgresql_url).values()) == {0}


def test_the_source_is_upgraded_in_place_only_when_asked(legacy_sqlite, postgresql_url):
    options = CopyOptions(upgrade_source_in_place=True)
    assert copy_database(f"sqlite:///{legacy_sqlite}", postgresql_url, options, note=quiet).verified
    assert current_revision(f"sqlite:///{legacy_sqlite}") == head_revision()


def run_copy_command(*arguments):
    return subprocess.Popen(
        [sys.executable, "-m", "novel_pyramid.scripts", "db", "copy", *arguments],
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_killed_copy_leaves_the_target_empty_and_a_rerun_completes(legacy_10k, postgresql_url):
    source = f"sqlite:///{legacy_10k}"
    process = run_copy_command(source, postgresql_url, "--batch-size", "250", "--throttle-seconds", "0.05")
    seen = []
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            seen.append(line)
            if line.startswith("copy history: ") and not line.startswith("copy history: 0/"):
                break
            assert line, f"the copy ended before reaching history: {''.join(seen)}"
        else:
            pytest.fail("no progress on the history table within 30 s")
        process.send_signal(signal.SIGKILL)  # No chance to clean up: PostgreSQL must.
    finally:
        process.wait(timeout=10)
        stdout = process.stdout.read()
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert "Copied and verified" not in stdout

    counts = target_counts(postgresql_url)
    assert set(counts.values()) == {0}, counts

    rerun = run_copy_command(source, postgresql_url)
    stdout, stderr = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, stderr
    assert "Copied and verified" in stdout
    assert target_counts(postgresql_url)["history"] == HISTORY_ROWS


def test_an_unversioned_legacy_database_is_recognised(legacy_sqlite, postgresql_url):
    """Made with db.create_all(), it has the tables but no alembic_version row."""
    with sqlite3.connect(legacy_sqlite) as connection:
        connection.execute("DELETE FROM alembic_version")
    notes = []
    report = copy_database(f"sqlite:///{legacy_sqlite}", postgresql_url, note=notes.append)
    assert report.verified
    assert any("997f943cdd21" in note for note in notes)


def test_the_command_reports_an_unreachable_target_without_a_traceback(legacy_sqlite, capsys):
    from novel_pyramid.scripts import main

    status = main(["db", "copy", f"sqlite:///{legacy_sqlite}", "postgresql://nobody@127.0.0.1:1/none"])
    assert status == 1
    assert "nothing was copied" in capsys.readouterr().err
