"""Database: the engine, the declarative base, and ``request.dbsession`` bound to the request's transaction.

Each request is one transaction (pyramid_tm): a request that fails writes
nothing. Conflicts and serialization failures are retried by pyramid_retry.
"""

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase

from novel_pyramid.db.sessions import make_session_factory, tm_session
from novel_pyramid.db.transactions import own_transaction  # noqa: F401
from novel_pyramid.db.urls import with_installed_driver

# Explicit constraint names make migrations reproducible on every dialect.
# "ix_%(column_0_label)s" is also what the legacy schema used (ix_users_email).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class ModelBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(settings):
    """Create the process-wide engine from typed settings."""
    url = with_installed_driver(settings["database_url"])
    if url.startswith("sqlite"):
        # Waitress serves from several threads; SQLite serialises writes itself.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_size=settings["database.pool_size"],
        max_overflow=settings["database.pool_size"],
        # A restarted PostgreSQL leaves dead connections in the pool: test before use.
        pool_pre_ping=True,
        pool_recycle=3600,
    )


def _sqlite_pragmas(dbapi_connection, connection_record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def includeme(config):
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    # A 4xx or 5xx answer rolls the transaction back even when no exception was raised.
    settings["tm.commit_veto"] = "pyramid_tm.default_commit_veto"
    # pyramid_tm would look up the user outside the exception views; a database
    # outage there would escape as a raw 500 instead of our JSON error.
    settings["tm.annotate_user"] = False
    settings.setdefault("retry.attempts", 3)
    config.include("pyramid_tm")
    config.include("pyramid_retry")

    if settings["database.auto_migrate"]:
        # Development only: `pserve development.ini` on a fresh clone just works.
        from novel_pyramid.db.migrate import upgrade_to_head

        upgrade_to_head(settings["database_url"])
    engine = settings.get("db.engine") or make_engine(settings)
    session_factory = make_session_factory(engine)
    config.registry["db.engine"] = engine
    config.registry["db.session_factory"] = session_factory

    def dbsession(request):
        # Tests may hand every request one shared session (rolled back at the end).
        override = request.environ.get("novel_pyramid.dbsession")
        if override is not None:
            return override
        return tm_session(request.registry["db.session_factory"], request.tm)

    config.add_request_method(dbsession, reify=True)
