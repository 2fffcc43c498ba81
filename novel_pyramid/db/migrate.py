"""Alembic, driven from Python: upgrade a database to head and read its revision.

Used by ``novel-pyramid db upgrade``/``current`` and by the SQLite to PostgreSQL
copy, which migrates both a snapshot of the source and the target. The
``migrations/`` directory sits next to the package, at the repository root; an
installed (non-editable) package finds it through NOVEL_PYRAMID_MIGRATIONS, as
the container image sets it.
"""

import os
from configparser import ConfigParser
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, pool

from novel_pyramid.config import SETTINGS_BY_KEY, ConfigurationError, load_settings
from novel_pyramid.db.urls import with_installed_driver

CHECKOUT_MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
# The Flask version's two revisions, kept under their ids by our migrations.
LEGACY_HEAD = "997f943cdd21"
LEGACY_INITIAL = "6deaf3110825"
LEGACY_TABLES = frozenset({"users", "history", "user_settings"})


def migrations_directory(environ=os.environ):
    configured = environ.get("NOVEL_PYRAMID_MIGRATIONS")
    directory = Path(configured) if configured else CHECKOUT_MIGRATIONS
    if not (directory / "env.py").is_file():
        raise FileNotFoundError(
            f"Alembic migrations not found in {directory}; set NOVEL_PYRAMID_MIGRATIONS "
            "to the folder that holds env.py."
        )
    return directory


def alembic_config(database_url):
    """An Alembic configuration for ``database_url`` that needs no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(migrations_directory()))
    config.attributes["database_url"] = database_url
    return config


def head_revision():
    script = ScriptDirectory(str(migrations_directory()))
    return script.get_current_head()


def upgrade_to_head(database_url):
    command.upgrade(alembic_config(database_url), "head")
    return current_revision(database_url)


def stamp(database_url, revision):
    command.stamp(alembic_config(database_url), revision)


def current_revision(database_url):
    """The revision stamped in ``database_url``, or None for an unversioned database."""
    engine = create_engine(with_installed_driver(database_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def unversioned_legacy_revision(database_url):
    """The Flask revision whose tables a database without a revision holds, or None.

    The Flask version's ``db.create_all()`` made its tables without an
    alembic_version row. Only its tables count: an empty database, or one that
    holds any other table, is not recognised.
    """
    engine = create_engine(with_installed_driver(database_url), poolclass=pool.NullPool)
    try:
        inspector = inspect(engine)
        tables = set(inspector.get_table_names()) - {"alembic_version"}
        if not ({"users", "history"} <= tables <= LEGACY_TABLES):
            return None
        user_columns = {col["name"] for col in inspector.get_columns("users")}
    finally:
        engine.dispose()
    return LEGACY_HEAD if "user_settings" in tables and "google_refresh_token" in user_columns else LEGACY_INITIAL


def stamp_unversioned_legacy(database_url, note):
    """Give a legacy database made by ``db.create_all()`` the revision its tables match; return it or None."""
    if current_revision(database_url) is not None:
        return None
    revision = unversioned_legacy_revision(database_url)
    if revision is not None:
        note(f"The database has no Alembic revision; its tables match legacy revision {revision}, stamped so.")
        stamp(database_url, revision)
    return revision


def read_app_settings(ini_path):
    """The ``[app:main]`` section of a PasteDeploy INI file, as plain strings."""
    # PasteDeploy files may say %(here)s, meaning the INI file's own directory.
    parser = ConfigParser(defaults={"here": os.path.dirname(os.path.abspath(ini_path))})
    if not parser.read(ini_path, encoding="utf-8"):
        raise FileNotFoundError(f"Cannot read the application INI file {ini_path!r}.")
    ini_settings = dict(parser["app:main"]) if parser.has_section("app:main") else {}
    ini_settings.pop("here", None)
    return ini_settings


def configured_database_url(ini_settings, environ):
    """The typed ``database_url`` from INI values and the environment (which wins)."""
    try:
        return load_settings(ini_settings, environ)["database_url"]
    except ConfigurationError:
        # A migration Job carries DATABASE_URL but not the web application's
        # secrets, which production settings insist on: type the URL alone.
        raw = environ.get("DATABASE_URL") or ini_settings.get("database_url")
        if not raw:
            raise
        return SETTINGS_BY_KEY["database_url"].parse(raw)
