"""A legacy database already upgraded by the first 2616441a8e6a and 01e83414054f reaches exactly our schema."""

import sqlite3

import pytest
from alembic import command
from sqlalchemy import create_engine, pool, text

from novel_pyramid.db.migrate import alembic_config, current_revision, head_revision, upgrade_to_head
from novel_pyramid.db.urls import with_installed_driver
from tests.migrations.drifted_schemas import (
    FORMS_THE_FIRST_RENAME_ACCEPTED,
    REPAIR_REVISION,
    revision_before_repair,
    upgrade_the_first_way,
)
from tests.migrations.legacy_db import LEGACY_TABLES, build_legacy_database, stored_rows
from tests.migrations.legacy_schemas import LEGACY_FORMS
from tests.migrations.schema_helpers import accepted_duplicates, physical_schema, unique_shape

DIALECTS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
FIRST_VERSIONS = [
    *[("both", form) for form in FORMS_THE_FIRST_RENAME_ACCEPTED],
    # Stopped at 2616441a8e6a, then upgraded with the current 01e83414054f.
    *[("history_indexes", form) for form in LEGACY_FORMS],
]
DRIFTED = [
    pytest.param(dialect, first, form, id=f"{dialect}-{form}-first-{first}", marks=marks)
    for dialect, marks in (("sqlite", ()), ("postgresql", pytest.mark.postgresql))
    for first, form in FIRST_VERSIONS
]


def drifted_database(empty_database, dialect, first, form):
    url = build_legacy_database(empty_database(dialect), form)
    return upgrade_the_first_way(url, first_unique_rename=first == "both")


@pytest.mark.parametrize(("dialect", "first", "form"), DRIFTED)
def test_the_first_versions_drift_is_repaired_to_exactly_our_schema(dialect, first, form, empty_database, head_shape):
    url = drifted_database(empty_database, dialect, first, form)
    # Only the Flask-Migrate form drifted; the others were already right.
    assert (unique_shape(url) != head_shape(dialect)) == (form == "flask_migrate")
    before = {table: stored_rows(url, table) for table in LEGACY_TABLES}
    config = alembic_config(url)

    command.upgrade(config, "head")
    command.check(config)

    assert current_revision(url) == head_revision()
    assert unique_shape(url) == head_shape(dialect)
    assert {table: stored_rows(url, table) for table in LEGACY_TABLES} == before
    assert accepted_duplicates(url) == []
    if dialect == "sqlite":
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("source", ["fresh", *LEGACY_FORMS, "repaired"])
def test_the_repair_changes_nothing_where_there_is_no_drift(dialect, source, empty_database):
    """A new database, every legacy form upgraded by the current revisions, and one already repaired."""
    config = alembic_config(empty_database(dialect))
    url = config.attributes["database_url"]
    if source == "repaired":
        upgrade_the_first_way(build_legacy_database(url, "flask_migrate"))
        command.upgrade(config, REPAIR_REVISION)
        command.downgrade(config, revision_before_repair())  # does nothing but move the revision back
    else:
        if source != "fresh":
            build_legacy_database(url, source)
        command.upgrade(config, revision_before_repair())
    before = physical_schema(url)

    command.upgrade(config, REPAIR_REVISION)

    assert physical_schema(url) == before


@pytest.mark.postgresql
def test_an_invalid_history_index_left_by_a_failed_build_is_built_again(postgresql_url):
    """A CREATE INDEX CONCURRENTLY that failed leaves an INVALID index, which the planner ignores."""
    config = alembic_config(postgresql_url)
    command.upgrade(config, revision_before_repair())
    engine = create_engine(with_installed_driver(postgresql_url), poolclass=pool.NullPool)
    invalid = text(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE c.relname LIKE 'ix_history_%' AND NOT i.indisvalid"
    )
    try:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'ix_history_timestamp'::regclass")
            )
            assert connection.execute(invalid).scalars().all() == ["ix_history_timestamp"]

        upgrade_to_head(postgresql_url)

        with engine.connect() as connection:
            assert connection.execute(invalid).scalars().all() == []
            assert connection.execute(text("SELECT to_regclass('ix_history_timestamp')")).scalar() is not None
    finally:
        engine.dispose()
