"""A legacy database, in every shape the Flask version left it, upgrades in place to exactly our schema."""

import sqlite3

import pytest
from alembic import command
from sqlalchemy import create_engine, pool, text

from novel_pyramid.db.migrate import alembic_config, current_revision, head_revision, upgrade_to_head
from novel_pyramid.db.urls import with_installed_driver
from novel_pyramid.scripts import main
from tests.migrations.legacy_db import LEGACY_TABLES, build_legacy_database, stored_rows
from tests.migrations.legacy_schemas import LEGACY_FORMS
from tests.migrations.schema_helpers import accepted_duplicates, schema_differences, unique_shape

EVERY_FORM = [pytest.param("sqlite", form, id=f"sqlite-{form}") for form in LEGACY_FORMS] + [
    pytest.param("postgresql", form, id=f"postgresql-{form}", marks=pytest.mark.postgresql) for form in LEGACY_FORMS
]


@pytest.mark.parametrize(("dialect", "form"), EVERY_FORM)
def test_a_legacy_database_upgrades_in_place_to_exactly_our_schema(dialect, form, empty_database, head_shape):
    url = build_legacy_database(empty_database(dialect), form)
    before = {table: stored_rows(url, table) for table in LEGACY_TABLES}
    config = alembic_config(url)

    command.upgrade(config, "head")  # what `alembic upgrade head` runs
    command.check(config)  # what CI runs next: raises on any drift from the models

    assert current_revision(url) == head_revision()
    assert unique_shape(url) == head_shape(dialect)
    # Every value kept, on SQLite with its storage class (0/1 stays integer, text stays text).
    assert {table: stored_rows(url, table) for table in LEGACY_TABLES} == before
    if dialect == "sqlite":
        # The rebuilt tables are still the ones the others' foreign keys point at.
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


@pytest.mark.parametrize(("dialect", "form"), EVERY_FORM)
def test_an_upgraded_legacy_database_still_refuses_duplicates(dialect, form, empty_database):
    """The redundant constraints are gone; what they enforced is still enforced."""
    url = build_legacy_database(empty_database(dialect), form)
    upgrade_to_head(url)
    assert accepted_duplicates(url) == []
    assert first_settings_for_user_3_accepted(url)


def first_settings_for_user_3_accepted(url):
    """User 3 has no settings yet: a first row for them is fine."""
    engine = create_engine(with_installed_driver(url), poolclass=pool.NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO user_settings (user_id, sentence_length_limit) VALUES (3, 9)"))
            owners = connection.execute(text("SELECT user_id FROM user_settings ORDER BY user_id")).scalars().all()
    finally:
        engine.dispose()
    return owners == [1, 2, 3, 4]


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


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def test_db_upgrade_recognises_a_create_all_database_without_a_revision(dialect, empty_database, capsys, monkeypatch):
    """``db.create_all()`` never wrote alembic_version; the command stamps the revision its tables match."""
    url = build_legacy_database(empty_database(dialect), "create_all")
    engine = create_engine(with_installed_driver(url), poolclass=pool.NullPool)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("NOVEL_PYRAMID_INI", raising=False)

    assert main(["db", "upgrade"]) == 0

    assert "legacy revision 997f943cdd21" in capsys.readouterr().err
    assert current_revision(url) == head_revision()
    assert schema_differences(url) == []
