"""A legacy database (CONTRACT §5) upgrades in place to head with every row intact."""

import sqlite3

import pytest
from sqlalchemy import create_engine, pool, text

from novel_pyramid.db.migrate import current_revision, head_revision, upgrade_to_head
from novel_pyramid.db.urls import with_installed_driver
from tests.migrations.legacy_db import LEGACY_SCHEMA_POSTGRESQL, LEGACY_TABLES, raw_rows
from tests.migrations.schema_helpers import schema_differences


def test_legacy_sqlite_upgrades_in_place_keeping_every_value(legacy_sqlite):
    url = f"sqlite:///{legacy_sqlite}"
    before = {table: raw_rows(legacy_sqlite, table) for table in LEGACY_TABLES}

    assert current_revision(url) == "997f943cdd21"
    upgrade_to_head(url)

    assert current_revision(url) == head_revision()
    assert schema_differences(url) == []
    for table, (names, rows) in before.items():
        after_names, after_rows = raw_rows(legacy_sqlite, table)
        # Same values with the same storage class (0/1 stays integer, text stays text).
        kept = [after_names.index(name) for name in names]
        assert [tuple(row[2 * i : 2 * i + 2] for i in kept) for row in after_rows] == [
            tuple(row[2 * i : 2 * i + 2] for i in range(len(names))) for row in rows
        ], table
    with sqlite3.connect(legacy_sqlite) as connection:
        assert connection.execute("SELECT count(*) FROM history WHERE job_id IS NOT NULL").fetchone() == (0,)


def test_upgraded_legacy_database_accepts_new_rows(legacy_sqlite):
    url = f"sqlite:///{legacy_sqlite}"
    upgrade_to_head(url)
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        connection.execute(text("PRAGMA foreign_keys=ON"))
        connection.execute(
            text(
                "INSERT INTO jobs (id, user_id, status, step, sentence_length_limit, normalizer, "
                "chunks_total, chunks_done, chunks_failed, created_at, updated_at) VALUES "
                "('j1', 1, 'queued', 'queued', 8, 'local', 0, 0, 0, '2025-01-01', '2025-01-01')"
            )
        )
        new_id = connection.execute(
            text(
                "INSERT INTO history (user_id, timestamp, job_id) VALUES (2, '2025-01-01 00:00:00', 'j1') RETURNING id"
            )
        ).scalar_one()
        assert new_id == 201
        connection.execute(text("DELETE FROM jobs WHERE id = 'j1'"))
        # ON DELETE SET NULL survived the batch-mode rebuild of history.
        assert (
            connection.execute(text("SELECT job_id FROM history WHERE id = :id"), {"id": new_id}).scalar_one() is None
        )
    engine.dispose()


@pytest.mark.postgresql
def test_legacy_postgresql_database_upgrades_to_the_models_schema(postgresql_url):
    """Flask on PostgreSQL named its unique constraint user_settings_user_id_key."""
    engine = create_engine(with_installed_driver(postgresql_url), poolclass=pool.NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql(LEGACY_SCHEMA_POSTGRESQL)
        connection.execute(text("INSERT INTO alembic_version VALUES ('997f943cdd21')"))
    engine.dispose()

    upgrade_to_head(postgresql_url)

    assert schema_differences(postgresql_url) == []
