"""Whether a sign-in session may still act: read from the database on every request, never cached.

A cached answer is only as fresh as its last invalidation, and an invalidation
is lost when Redis cannot be reached at the moment of a sign-out, or never
sent when an operator disables an account in SQL. So the security policy asks
the database every time, with one statement that finds the session and its
user by their primary keys.

That read sits on the path of every signed-in request, including those the
cache answers without any other SQL, so it is made cheap (bench/api.py):

- it runs on connections of its own, in autocommit mode: one round trip, not
  BEGIN, SELECT and COMMIT, and no request session joined to the transaction;
- those connections are not pinged before use (a ping is a round trip too): a
  connection that died with a database restart fails its statement, every
  connection made before it is discarded, and the read is tried once more;
- on PostgreSQL through psycopg2 the statement is prepared once per connection
  and executed on the driver's cursor: planning the join cost the database
  three times as much as running it, and SQLAlchemy's execution layer more
  than the driver. (psycopg 3 prepares repeated statements by itself.)
"""

import logging
import threading
import weakref

import sqlalchemy.exc
from sqlalchemy import bindparam, create_engine, event, select
from zope.interface import implementer

from novel_pyramid.accounts.models import User
from novel_pyramid.auth.interfaces import ISessionStanding
from novel_pyramid.auth.models import AuthSession

log = logging.getLogger(__name__)

SIGNED_OUT = "This session has been signed out; please sign in again"
DISABLED = "This account is disabled"

# Built once: constructing the statement costs more than running it, and it runs on every request.
SESSION_STANDING = (
    select(User.is_active)
    .select_from(AuthSession)
    .join(User, User.id == AuthSession.user_id)
    .where(
        AuthSession.id == bindparam("session_id"),
        AuthSession.user_id == bindparam("user_id"),
        AuthSession.revoked_at.is_(None),
    )
)


@implementer(ISessionStanding)
class SessionStanding:
    """Answers, from the database, why a session may not act (``SIGNED_OUT``, ``DISABLED``), or None."""

    def __init__(self, engine):
        self.engine = engine

    @classmethod
    def for_engine(cls, engine, pool_size):
        """The reader for ``engine``'s database; applications built on one engine (tests build many) share it."""
        if engine.dialect.name == "sqlite":
            # No pool of its own: SQLite's engine never pings, and a file opens fast.
            return cls(engine.execution_options(isolation_level="AUTOCOMMIT"))
        with _readers_lock:
            reader = _readers.get(engine)
            if reader is None:
                reader = _readers[engine] = _reader_with_own_pool(engine, pool_size)
            return reader

    def failure(self, user_id, session_id):
        try:
            is_active = self.is_active(user_id, session_id)
        except sqlalchemy.exc.DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            log.info("The session check lost its database connection; trying once more on a new one")
            is_active = self.is_active(user_id, session_id)
        if is_active is None:
            return SIGNED_OUT
        return None if is_active else DISABLED

    def is_active(self, user_id, session_id):
        """The user's ``is_active`` if the session exists, is the user's and was not revoked; else None."""
        with self.engine.connect() as connection:
            return connection.execute(SESSION_STANDING, {"session_id": session_id, "user_id": user_id}).scalar()


class PreparedSessionStanding(SessionStanding):
    """The same read on PostgreSQL through psycopg2: a statement prepared per connection, run on the raw cursor."""

    NAME = "novel_session_standing"

    def __init__(self, engine):
        super().__init__(engine)
        compiled = SESSION_STANDING.compile(dialect=engine.dialect)
        # psycopg2's placeholders are %(name)s: filling them with $1, $2 gives the server's own.
        body = compiled.string % {"session_id": "$1", "user_id": "$2"}
        self._prepare = f"PREPARE {self.NAME} AS {body}"
        self._execute = f"EXECUTE {self.NAME} (%s, %s)"
        event.listen(engine, "connect", self._prepare_on)

    def _prepare_on(self, dbapi_connection, connection_record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute(self._prepare)
        dbapi_connection.commit()  # nothing to commit in autocommit mode; harmless either way

    def is_active(self, user_id, session_id):
        dbapi_error = self.engine.dialect.loaded_dbapi.Error
        try:
            connection = self.engine.raw_connection()
        except dbapi_error as exc:
            # The database is down: SQLAlchemy's error, which the exception views answer with 503.
            raise sqlalchemy.exc.DBAPIError.instance(None, None, exc, dbapi_error) from exc
        try:
            with connection.cursor() as cursor:
                cursor.execute(self._execute, (session_id, user_id))
                row = cursor.fetchone()
        except dbapi_error as exc:
            lost = self.engine.dialect.is_disconnect(exc, connection.dbapi_connection, None)
            if lost:
                connection.invalidate(exc)
                # The other pooled connections date from before the loss too.
                self.engine.dispose(close=False)
            raise sqlalchemy.exc.DBAPIError.instance(
                self._execute, None, exc, dbapi_error, connection_invalidated=lost
            ) from exc
        finally:
            connection.close()
        return None if row is None else row[0]


_readers = weakref.WeakKeyDictionary()
_readers_lock = threading.Lock()


def _reader_with_own_pool(engine, pool_size):
    reading_engine = create_engine(
        engine.url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        pool_recycle=3600,
        isolation_level="AUTOCOMMIT",
        # Autocommit leaves no transaction to roll back when a connection returns.
        pool_reset_on_return=None,
    )
    if reading_engine.dialect.driver == "psycopg2":
        return PreparedSessionStanding(reading_engine)
    return SessionStanding(reading_engine)
