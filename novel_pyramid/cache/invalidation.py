"""Invalidate cached entries once the transaction that changed their rows commits.

Deleting a key before the commit would not help: until the commit, other
requests still read the old rows and would put them straight back in the cache.
Each session carries the cache it should invalidate, and the rules that say
which keys a changed row makes stale, in ``session.info``: services that only
receive a session (a task's) find them without a global. The package owning a
cached table adds its rule from its ``includeme``
(``config.add_cache_invalidation(Model, keys_of)``); this package knows no table.
"""

import itertools

from sqlalchemy import event

from novel_pyramid.cache.regions import NULL_CACHE

CACHE_INFO_KEY = "novel_pyramid.cache"
STALE_KEYS_INFO_KEY = "novel_pyramid.cache.stale_keys"
PENDING_INFO_KEY = "novel_pyramid.cache.pending"


class StaleKeys:
    """For each model whose rows feed a cached value: the keys a change of one row makes stale.

    Bulk UPDATE/DELETE statements bypass the ORM unit of work: code issuing
    them calls ``invalidate_after_commit`` itself.
    """

    def __init__(self):
        self._rules = {}

    def add(self, model, keys_of):
        """``keys_of(row)`` gives the keys a new, changed or deleted ``model`` row makes stale."""
        self._rules[model] = keys_of

    def of(self, row):
        keys_of = self._rules.get(type(row))
        return () if keys_of is None else keys_of(row)


def cache_of(dbsession):
    """The cache serving ``dbsession``'s application (the null cache when there is none)."""
    return dbsession.info.get(CACHE_INFO_KEY, NULL_CACHE)


def invalidate_after_commit(dbsession, *keys):
    """Forget ``keys`` in the cache when ``dbsession`` commits its transaction."""
    if CACHE_INFO_KEY in dbsession.info:
        dbsession.info.setdefault(PENDING_INFO_KEY, set()).update(keys)


def watch_session_factory(session_factory, cache, stale_keys):
    """Give every session of ``session_factory`` the cache, and invalidate on commit.

    ORM changes to the models ``stale_keys`` has rules for are found at flush
    time, whoever made them (a settings update, a job's end, an export).
    """
    session_factory.configure(info={CACHE_INFO_KEY: cache, STALE_KEYS_INFO_KEY: stale_keys})
    if not event.contains(session_factory, "after_flush", _collect_stale_keys):
        event.listen(session_factory, "after_flush", _collect_stale_keys)
        event.listen(session_factory, "after_commit", _invalidate_pending)


def _collect_stale_keys(session, flush_context):
    stale_keys = session.info.get(STALE_KEYS_INFO_KEY)
    if stale_keys is None:
        return
    for row in itertools.chain(session.new, session.dirty, session.deleted):
        keys = stale_keys.of(row)
        if keys:
            invalidate_after_commit(session, *keys)


def _invalidate_pending(session):
    # A rolled-back transaction leaves its keys here; the next commit of the same
    # session forgets them too, which costs one extra miss and is never wrong.
    keys = session.info.pop(PENDING_INFO_KEY, None)
    if keys:
        cache_of(session).invalidate(*sorted(keys))
