"""Looking at a migrated database: its drift from the models, its tables."""

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
