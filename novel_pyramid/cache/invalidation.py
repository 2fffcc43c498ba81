"""Invalidate cached entries once the transaction that changed their rows commits.

Deleting a key before the commit would not help: until the commit, other
requests still read the old rows and would put them straight back in the cache.
Each session carries the cache it should invalidate in ``session.info``, so
services that only receive a session (``AccountService(request.dbsession)``)
find it without a global.
"""

import itertools

from sqlalchemy import event

from novel_pyramid.cache.keys import STALE_KEYS_OF_CHANGED_ROW
from novel_pyramid.cache.regions import NULL_CACHE

CACHE_INFO_KEY = "novel_pyramid.cache"
PENDING_INFO_KEY = "novel_pyramid.cache.pending"


def cache_of(dbsession):
    """The cache serving ``dbsession``'s application (the null cache when there is none)."""
    return dbsession.info.get(CACHE_INFO_KEY, NULL_CACHE)


def invalidate_after_commit(dbsession, *keys):
    """Forget ``keys`` in the cache when ``dbsession`` commits its transaction."""
    if CACHE_INFO_KEY in dbsession.info:
        dbsession.info.setdefault(PENDING_INFO_KEY, set()).update(keys)


def watch_session_factory(session_factory, cache):
    """Give every session of ``session_factory`` the cache, and invalidate on commit.

    ORM changes to the tables in ``STALE_KEYS_OF_CHANGED_ROW`` are found at flush
    time, whoever made them: sign-in, session start and rotation, deactivation,
    settings updates.
    """
    session_factory.configure(info={CACHE_INFO_KEY: cache})
    if not event.contains(session_factory, "after_flush", _collect_stale_keys):
        event.listen(session_factory, "after_flush", _collect_stale_keys)
        event.listen(session_factory, "after_commit", _invalidate_pending)


def _collect_stale_keys(session, flush_context):
    for row in itertools.chain(session.new, session.dirty, session.deleted):
        keys_of = STALE_KEYS_OF_CHANGED_ROW.get(getattr(row, "__tablename__", None))
        if keys_of is not None:
            invalidate_after_commit(session, *keys_of(row))


def _invalidate_pending(session):
    # A rolled-back transaction leaves its keys here; the next commit of the same
    # session forgets them too, which costs one extra miss and is never wrong.
    keys = session.info.pop(PENDING_INFO_KEY, None)
    if keys:
        cache_of(session).invalidate(*sorted(keys))
