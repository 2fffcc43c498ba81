"""The migrations build exactly the models' schema, on SQLite and PostgreSQL, both ways."""

import io
import sqlite3
from contextlib import redirect_stdout

from alembic import command
from sqlalchemy import create_engine, inspect, pool

from novel_pyramid.db.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    upgrade_to_head,
)
from tests.migrations.legacy_schemas import LEGACY_HEAD, build_legacy_schema
from tests.migrations.schema_helpers import schema_differences, table_names


def test_upgrade_head_matches_the_models(any_database_url):
    assert upgrade_to_head(any_database_url) == head_revision()
    assert schema_differences(any_database_url) == []
    command.check(alembic_config(any_database_url))  # what CI runs: raises on drift


def test_downgrade_to_base_and_back_to_head(any_database_url):
    upgrade_to_head(any_database_url)
    command.downgrade(alembic_config(any_database_url), "base")
    assert table_names(any_database_url) == {"alembic_version"}
    assert current_revision(any_database_url) is None
    upgrade_to_head(any_database_url)
    assert schema_differences(any_database_url) == []


def test_legacy_revisions_rebuild_the_legacy_schema(tmp_path):
    """Migrating a new database to 997f943cdd21 gives the Flask version's schema, as raw SQL describes it."""
    ours = f"sqlite:///{tmp_path / 'ours.sqlite'}"
    command.upgrade(alembic_config(ours), LEGACY_HEAD)
    legacy = f"sqlite:///{tmp_path / 'legacy.sqlite'}"
    build_legacy_schema(legacy, "hand_written")
    assert describe_schema(ours) == describe_schema(legacy)


def describe_schema(url):
    """Columns, keys and indexes, without the constraint names SQLite may omit."""
    engine = create_engine(url, poolclass=pool.NullPool)
    inspector = inspect(engine)
    description = {}
    for name in sorted(inspector.get_table_names()):
        description[name] = {
            "columns": [(col["name"], str(col["type"]), col["nullable"]) for col in inspector.get_columns(name)],
            "primary key": inspector.get_pk_constraint(name)["constrained_columns"],
            "foreign keys": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
                for fk in inspector.get_foreign_keys(name)
            ),
            "unique": sorted(tuple(uq["column_names"]) for uq in inspector.get_unique_constraints(name)),
            "indexes": sorted(
                (ix["name"], tuple(ix["column_names"]), bool(ix["unique"])) for ix in inspector.get_indexes(name)
            ),
        }
    engine.dispose()
    return description


def test_offline_mode_renders_postgresql_sql():
    output = io.StringIO()
    with redirect_stdout(output):
        command.upgrade(alembic_config("postgresql://nobody@127.0.0.1:1/none"), "base:head", sql=True)
    sql = output.getvalue()
    assert "CREATE TABLE users" in sql
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_history_user_id_timestamp_id" in sql
    assert f"UPDATE alembic_version SET version_num='{head_revision()}'" in sql


def test_offline_sqlite_scripts_build_and_remove_the_schema(tmp_path):
    """``alembic upgrade head --sql`` for SQLite needs no live database, and its script works."""
    url = f"sqlite:///{tmp_path / 'offline.sqlite'}"
    upgrade_script = io.StringIO()
    with redirect_stdout(upgrade_script):
        command.upgrade(alembic_config(url), "head", sql=True)
    with sqlite3.connect(tmp_path / "offline.sqlite") as connection:
        connection.executescript(upgrade_script.getvalue())
    assert schema_differences(url) == []

    downgrade_script = io.StringIO()
    with redirect_stdout(downgrade_script):
        command.downgrade(alembic_config(url), f"{head_revision()}:base", sql=True)
    with sqlite3.connect(tmp_path / "offline.sqlite") as connection:
        connection.executescript(downgrade_script.getvalue())
    assert table_names(url) == {"alembic_version"}
