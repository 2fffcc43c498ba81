"""Fixtures for the migration and copy tests: throwaway SQLite files and PostgreSQL databases.

Each PostgreSQL test gets its own database, ``novel_mig_<random>``, created on the
server named by NOVEL_TEST_POSTGRES_URL (default: the local trust-auth server)
and dropped afterwards; no other database is touched. Without a reachable
server the PostgreSQL tests are skipped locally but FAIL in CI (CI=true).
"""

import os
import uuid

import pytest
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from novel_pyramid.db.migrate import upgrade_to_head
from novel_pyramid.db.urls import with_installed_driver
from tests.migrations.legacy_db import build_legacy_sqlite
from tests.migrations.schema_helpers import unique_shape

POSTGRES_SERVER_URL = os.environ.get("NOVEL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _admin_engine():
    return create_engine(
        with_installed_driver(POSTGRES_SERVER_URL),
        poolclass=pool.NullPool,
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )


@pytest.fixture(scope="session")
def postgres_server():
    engine = _admin_engine()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        message = f"PostgreSQL at {POSTGRES_SERVER_URL} is unreachable: {error.orig}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    finally:
        engine.dispose()
    return POSTGRES_SERVER_URL


@pytest.fixture
def new_postgresql_database(postgres_server):
    """Call it for the URL of a fresh, empty PostgreSQL database; all are dropped after the test."""
    engine = _admin_engine()
    names = []

    def create():
        name = f"novel_mig_{uuid.uuid4().hex[:12]}"
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        names.append(name)
        return make_url(postgres_server).set(database=name).render_as_string(hide_password=False)

    try:
        yield create
    finally:
        with engine.connect() as connection:
            for name in names:
                # FORCE: a killed copy's server process may still be winding down.
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture
def postgresql_url(new_postgresql_database):
    """A URL to a fresh, empty PostgreSQL database, dropped after the test."""
    return new_postgresql_database()


@pytest.fixture
def empty_database(request, tmp_path):
    """Call it with "sqlite" or "postgresql" for the URL of a new empty database of that dialect."""

    def create(dialect):
        if dialect == "postgresql":
            return request.getfixturevalue("new_postgresql_database")()
        return f"sqlite:///{tmp_path / f'database-{uuid.uuid4().hex[:8]}.sqlite'}"

    return create


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'novel.sqlite'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database_url(request):
    """A fresh empty database of each dialect in turn."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    request.applymarker(pytest.mark.postgresql)
    return request.getfixturevalue("postgresql_url")


@pytest.fixture
def legacy_sqlite(tmp_path):
    """Path of a legacy SQLite file (the shape our own legacy revisions describe) with 200 history rows."""
    return build_legacy_sqlite(str(tmp_path / "legacy.sqlite"), history_count=200)


HEAD_SHAPES = {}


@pytest.fixture
def head_shape(empty_database):
    """Call it with a dialect for the unique constraints and indexes our migrations build on a new database."""

    def shape(dialect):
        if dialect not in HEAD_SHAPES:
            fresh = empty_database(dialect)
            upgrade_to_head(fresh)
            HEAD_SHAPES[dialect] = unique_shape(fresh)
        return HEAD_SHAPES[dialect]

    return shape
