"""``novel-pyramid db copy`` moves every shape of legacy database into PostgreSQL with nothing lost."""

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import create_engine, pool, select, text

import novel_pyramid.models  # noqa: F401
from novel_pyramid.db import ModelBase
from novel_pyramid.db.migrate import current_revision
from novel_pyramid.db.urls import with_installed_driver
from novel_pyramid.scripts import main
from tests.migrations.legacy_db import (
    COLUMNS,
    LEGACY_TABLES,
    LONG_TOKEN,
    REFRESH_TOKEN,
    build_legacy_database,
    expected_rows,
)
from tests.migrations.legacy_schemas import LEGACY_FORMS, LEGACY_HEAD
from tests.migrations.schema_helpers import schema_differences

pytestmark = pytest.mark.postgresql

HISTORY_ROWS = 700
EVERY_SOURCE = [pytest.param("sqlite", form, id=f"sqlite-{form}") for form in LEGACY_FORMS] + [
    pytest.param("postgresql", form, id=f"postgresql-{form}") for form in LEGACY_FORMS
]


def copied_rows(url, table):
    model_table = ModelBase.metadata.tables[table]
    engine = create_engine(with_installed_driver(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            statement = select(*[model_table.c[name] for name in COLUMNS[table]]).order_by(model_table.c.id)
            return [dict(row._mapping) for row in connection.execute(statement)]
    finally:
        engine.dispose()


def sqlite_file_hash(url):
    return hashlib.sha256(Path(url.removeprefix("sqlite:///")).read_bytes()).hexdigest()


@pytest.mark.parametrize(("dialect", "form"), EVERY_SOURCE)
def test_each_legacy_form_copies_into_postgresql_with_nothing_lost(dialect, form, empty_database, capsys):
    source = build_legacy_database(empty_database(dialect), form, history_count=HISTORY_ROWS)
    target = empty_database("postgresql")
    arguments = ["db", "copy", source, target, "--batch-size", "256"]
    if dialect == "postgresql":
        arguments.append("--upgrade-source-in-place")  # a PostgreSQL source is read where it is
    else:
        original_hash = sqlite_file_hash(source)

    status = main(arguments)

    output = capsys.readouterr()
    assert status == 0, output.err
    assert "Copied and verified" in output.out
    for table in LEGACY_TABLES:
        copied = copied_rows(target, table)
        assert copied == expected_rows(table, HISTORY_ROWS), table
        for name in COLUMNS[table]:
            if ModelBase.metadata.tables[table].c[name].nullable:
                # Every nullable column really carries NULLs (the data set proves something).
                assert any(row[name] is None for row in copied), (table, name)
    users = {row["id"]: row for row in copied_rows(target, "users")}
    assert users[4]["google_access_token"] == LONG_TOKEN  # over 9,600 characters, emoji and all
    assert users[6]["google_refresh_token"] == REFRESH_TOKEN
    assert users[4]["name"] == "Camille 📚✨ Lefèvre"
    assert schema_differences(target) == []
    if dialect == "sqlite":
        # The user's file was read through a snapshot: not even its revision changed.
        assert sqlite_file_hash(source) == original_hash
        assert current_revision(source) == LEGACY_HEAD


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_a_create_all_database_without_a_revision_copies(dialect, empty_database, capsys):
    """``db.create_all()`` never wrote alembic_version; the copy recognises the tables."""
    source = build_legacy_database(empty_database(dialect), "create_all", history_count=50)
    engine = create_engine(with_installed_driver(source), poolclass=pool.NullPool)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    engine.dispose()
    target = empty_database("postgresql")
    arguments = ["db", "copy", source, target] + (["--upgrade-source-in-place"] if dialect == "postgresql" else [])

    status = main(arguments)

    output = capsys.readouterr()
    assert status == 0, output.err
    assert f"match legacy revision {LEGACY_HEAD}" in output.err
    for table in LEGACY_TABLES:
        assert copied_rows(target, table) == expected_rows(table, 50), table
