"""Shared fixtures: the test database, the app factory, and the fake Google.

The suite runs on its own database: a temporary SQLite file by default, or the
PostgreSQL database named by DATABASE_URL (its name must end in ``_test``, so a
development or production database is never touched). Each test starts from
empty tables.
"""

import os
import pathlib
import uuid

import pytest
import webtest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from novel_pyramid import make_config
from novel_pyramid.config import load_settings
from novel_pyramid.db import make_engine, make_session_factory
from novel_pyramid.models import ModelBase
from tests.fakes.google_server import FakeGoogle

IN_CI = os.environ.get("CI", "").lower() == "true"


def _test_database_url(tmp_path_factory):
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    database = make_url(url).database or ""
    if not database.endswith("_test"):
        raise pytest.UsageError(
            f"DATABASE_URL names database {database!r}; the tests only run on a database "
            "whose name ends in _test, because they delete every row."
        )
    return url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return _test_database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine({"database_url": database_url, "database.pool_size": 5})
    ModelBase.metadata.drop_all(engine)
    ModelBase.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _empty_tables(engine):
    tables = list(reversed(ModelBase.metadata.sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(table.name for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def dbsession(engine):
    """A plain session on the test database; every table is emptied after the test."""
    session = make_session_factory(engine)()
    yield session
    session.close()
    _empty_tables(engine)


@pytest.fixture(scope="session")
def fake_google():
    server = FakeGoogle().start()
    yield server
    server.stop()


# Keys this run writes to a shared Redis (REDIS_URL) carry its own prefix.
RUN_PREFIX = f"novel_test:{uuid.uuid4().hex[:8]}:"


@pytest.fixture
def app_settings(engine, database_url, fake_google):
    return {
        "environment": "testing",
        "database_url": database_url,
        # With REDIS_URL set (the CI run on real services) rate limits and export
        # statuses live in Redis. Tasks still run in-process here: tests/worker
        # drives a real worker. The cache stays off unless a test turns it on,
        # because tests change rows behind the app's back.
        "redis_url": os.environ.get("REDIS_URL") or None,
        "celery.task_always_eager": "true",
        "cache.backend": "null",
        "ratelimit.key_prefix": RUN_PREFIX + "ratelimit:",
        "cache.key_prefix": RUN_PREFIX + "cache:",
        "db.engine": engine,
        "auth.dev_login": "true",
        "google.client_id": fake_google.client_id,
        "google.client_secret": "test-secret",
        "google.certs_url": fake_google.certs_url,
        "google.token_url": fake_google.token_url,
        "jwt.secret_key": "test-jwt-key-0123456789abcdefghijklmnop",
        "secret_key": "test-secret-key",
        "ratelimit.enabled": "false",
        # Readiness answers reflect the backends at once (tests stop them).
        "health.cache_seconds": "0",
        "log.keep_handlers": True,
    }


@pytest.fixture
def make_app(app_settings, dbsession):
    """Build a WebTest app; keyword arguments override the testing settings.

    ``environ`` plays the process environment, whose variables win over the
    settings, as they do for ``main()``.
    """

    def factory(environ=None, **overrides):
        raw = {**app_settings, **overrides}
        settings = load_settings(raw, environ=environ or {})
        settings["db.engine"] = raw["db.engine"]
        settings["log.keep_handlers"] = True
        return webtest.TestApp(make_config(settings).make_wsgi_app())

    return factory


@pytest.fixture
def testapp(make_app):
    return make_app()


@pytest.fixture
def project_root():
    return pathlib.Path(__file__).resolve().parent.parent
