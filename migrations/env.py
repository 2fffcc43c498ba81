"""Alembic environment: which database, which metadata, and how each migration runs.

The URL is chosen, first match wins, from: a URL handed over by our own code
(``config.attributes["database_url"]``, used by ``novel-pyramid db``), the
``DATABASE_URL`` environment variable, the application INI file (``-x ini=...`` or
``NOVEL_PYRAMID_INI``, or the ``-c`` file itself when it has an ``[app:main]``)
read with the application's settings loader, and finally ``sqlalchemy.url`` in
alembic.ini.
"""

import os
from configparser import ConfigParser
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, event, pool

import novel_pyramid.models  # noqa: F401  (registers every table on the metadata)
from novel_pyramid.db import ModelBase
from novel_pyramid.db.migrate import configured_database_url, read_app_settings
from novel_pyramid.db.urls import with_installed_driver

config = context.config
target_metadata = ModelBase.metadata

# A migration that waits this long for a lock gives up instead of queueing every
# request behind it; run it again at a quieter moment.
POSTGRESQL_LOCK_TIMEOUT = "5s"


def _ini_sections(path):
    parser = ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    return set(parser.sections())


# `alembic -c development.ini` works too: the application INI is then read for
# the URL, and its logging sections are used only if it has them.
CONFIG_FILE_SECTIONS = _ini_sections(config.config_file_name) if config.config_file_name else set()
if "loggers" in CONFIG_FILE_SECTIONS:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url():
    return with_installed_driver(_configured_url())


def _configured_url():
    handed_over = config.attributes.get("database_url")
    if handed_over:
        return handed_over
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    ini_path = context.get_x_argument(as_dictionary=True).get("ini") or os.environ.get("NOVEL_PYRAMID_INI")
    if ini_path:
        return _url_from_app_ini(ini_path)
    if "app:main" in CONFIG_FILE_SECTIONS:
        return _url_from_app_ini(config.config_file_name)
    return config.get_main_option("sqlalchemy.url")


def _url_from_app_ini(ini_path):
    return configured_database_url(read_app_settings(ini_path), os.environ)


def _configure_options(url):
    return {
        "target_metadata": target_metadata,
        # SQLite cannot ALTER most things: batch mode recreates the table instead.
        "render_as_batch": url.startswith("sqlite"),
        "compare_type": True,
        # Each migration commits on its own, so a failure leaves the database at
        # the last good revision rather than rolling back the whole upgrade.
        "transaction_per_migration": True,
    }


def run_migrations_offline():
    url = database_url()
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **_configure_options(url),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    url = database_url()
    engine = create_engine(url, poolclass=pool.NullPool)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _set_postgresql_lock_timeout)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, **_configure_options(url))
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def _set_postgresql_lock_timeout(dbapi_connection, connection_record):
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{POSTGRESQL_LOCK_TIMEOUT}'")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
