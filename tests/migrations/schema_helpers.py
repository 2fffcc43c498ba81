"""Looking at a migrated database: its drift from the models, its tables, its unique constraints and indexes."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool

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
