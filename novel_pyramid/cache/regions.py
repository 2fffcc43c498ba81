"""dogpile.cache regions built from settings, behind ``IAppCache``, failing open.

Values cross process boundaries as JSON, never pickle: a value read back from
Redis can then only ever be plain data, and whoever can write to Redis cannot
make us unpickle code.

The Redis backend uses the process's connection pool of its URL (short
time-outs, ``novel_pyramid.redisconn``) and the breaker of its server: while
the breaker refuses calls, the cache is skipped without waiting for Redis.
"""

import json
import logging
import threading

from dogpile.cache import make_region
from dogpile.cache.api import NO_VALUE
from zope.interface import implementer

from novel_pyramid.cache.interfaces import IAppCache
from novel_pyramid.metrics.record import count_cache, count_cache_many
from novel_pyramid.redisconn import NEVER_OPEN, OUTAGES

log = logging.getLogger(__name__)

BACKENDS = ("redis", "memory", "null")
# Invalidations that could not reach Redis are sent again once it answers;
# beyond this many, the oldest are given up (they expire on their own).
MAX_PENDING_INVALIDATIONS = 10_000


class NotPlainData(TypeError):
    """A value given to the cache is not JSON data: a programming error, never swallowed."""


def _to_json(value):
    try:
        return json.dumps(value, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise NotPlainData(f"cache values must be plain JSON data: {exc}") from None


def _from_json(payload):
    return json.loads(payload)


def make_cache_region(backend, expiration_seconds, connection_pool=None, key_prefix=""):
    """A configured dogpile region for ``backend`` (one of ``BACKENDS``); redis needs ``connection_pool``."""
    region = make_region(
        key_mangler=(lambda key: key_prefix + key) if key_prefix else None,
        serializer=_to_json,
        deserializer=_from_json,
    )
    if backend == "redis":
        return region.configure(
            "dogpile.cache.redis",
            expiration_time=expiration_seconds,
            arguments={
                # The pool carries the time-outs (redisconn.RedisOptions).
                "connection_pool": connection_pool,
                # Redis drops entries a little after dogpile considers them stale,
                # so a key nobody reads again does not live forever.
                "redis_expiration_time": expiration_seconds + 60,
                # Coalesce misses across web processes, not only across threads.
                "distributed_lock": True,
                "lock_prefix": "_lock:",
                "lock_timeout": 30,
                # Waiters poll the lock: short naps keep a cold key's latency low.
                "lock_sleep": 0.01,
                # Acquire and release happen in one thread, but the lock object is
                # shared by the threads waiting on one key (dogpile warns otherwise).
                "thread_local_lock": False,
            },
        )
    if backend == "memory":
        return region.configure("dogpile.cache.memory", expiration_time=expiration_seconds)
    if backend == "null":
        return region.configure("dogpile.cache.null")
    raise ValueError(f"unknown cache backend {backend!r}; choose one of {', '.join(BACKENDS)}")


@implementer(IAppCache)
class RegionCache:
    """``IAppCache`` over a dogpile region; a backend failure degrades to no cache.

    ``breaker`` is the breaker of the backend's server: a failure here counts
    towards it, and while it refuses calls the cache is skipped at once.
    """

    def __init__(self, region, backend_name, breaker=NEVER_OPEN):
        self.region = region
        self.backend_name = backend_name
        self.breaker = breaker
        self._lock = threading.Lock()
        self._degraded = False
        self._pending_invalidations = {}

    def _usable(self):
        """Whether to ask the backend now; invalidations it missed are sent first."""
        if not self.breaker.allow():
            return False
        if not self._pending_invalidations:
            return True
        with self._lock:
            keys = list(self._pending_invalidations)
        try:
            self.region.delete_multi(keys)
        except OUTAGES as exc:
            self._backend_failed("invalidate", exc)
            return False
        with self._lock:
            for key in keys:
                self._pending_invalidations.pop(key, None)
        log.warning("Cache: %d invalidation(s) missed during the outage were sent again", len(keys))
        return True

    def get_or_create(self, key, creator):
        if not self._usable():
            count_cache(key, hit=False)
            return creator()
        try:
            # Hits, nearly every call, skip building dogpile's (Redis) lock object.
            value = self.region.get(key)
        except Exception as exc:
            self._backend_failed("read", exc)
            count_cache(key, hit=False)
            return creator()
        self._backend_answered()
        # A miss here may still be served by another process's creation (the lock): counted as a miss.
        count_cache(key, hit=value is not NO_VALUE)
        if value is not NO_VALUE:
            return value
        created, creator_failed = [], []

        def create_and_remember():
            try:
                created.append(creator())
            except BaseException:
                creator_failed.append(True)
                raise
            return created[0]

        if not self.breaker.allow():
            return creator()
        try:
            value = self.region.get_or_create(key, create_and_remember)
        except NotPlainData:
            self.breaker.abandon()
            raise
        except Exception as exc:
            if creator_failed:
                # Our own code failed (a database error...): not the cache's business.
                self.breaker.abandon()
                raise
            if created:
                # The value was made but could not be stored: it is still good.
                self._backend_failed("store", exc)
                return created[0]
            self._backend_failed("read", exc)
            return creator()
        self._backend_answered()
        return value

    def get_many(self, keys):
        if not keys:
            return {}
        if not self._usable():
            count_cache_many(keys, ())
            return {}
        try:
            values = self.region.get_multi(keys)
        except Exception as exc:
            self._backend_failed("read", exc)
            count_cache_many(keys, ())
            return {}
        self._backend_answered()
        found = {key: value for key, value in zip(keys, values, strict=True) if value is not NO_VALUE}
        count_cache_many(keys, found)
        return found

    def set_many(self, mapping):
        if not mapping or not self._usable():
            return
        try:
            self.region.set_multi(mapping)
        except NotPlainData:
            self.breaker.abandon()
            raise
        except Exception as exc:
            self._backend_failed("store", exc)
            return
        self._backend_answered()

    def invalidate(self, *keys):
        if not keys:
            return
        if self.breaker.allow():
            try:
                self.region.delete_multi(list(keys))
            except Exception as exc:
                self._backend_failed("invalidate", exc)
            else:
                self._backend_answered()
                return
        # The entries may be stale until Redis answers again, when they are
        # deleted before this process reads the cache (``_usable``); other
        # processes may read them until then. Say so loudly: the one unsafe outcome.
        with self._lock:
            for key in keys:
                self._pending_invalidations[key] = True
            while len(self._pending_invalidations) > MAX_PENDING_INVALIDATIONS:
                self._pending_invalidations.pop(next(iter(self._pending_invalidations)))
        log.error(
            "Cache invalidation of %s failed on %s; it is sent again once the backend answers", keys, self.backend_name
        )

    def ping(self):
        with self.breaker.guard(OUTAGES):
            self.region.get("__ping__")

    def _backend_answered(self):
        self.breaker.succeeded()
        if self._degraded:
            with self._lock:
                self._degraded = False
            log.warning("Cache backend %s answers again; the cache is used again", self.backend_name)

    def _backend_failed(self, operation, exc):
        if isinstance(exc, OUTAGES):
            self.breaker.failed(exc)
        else:
            self.breaker.abandon()
        with self._lock:
            already_degraded, self._degraded = self._degraded, True
        if not already_degraded:
            log.warning(
                "Cache backend %s failed to %s (%s); reading from the database until it answers again",
                self.backend_name,
                operation,
                exc,
            )


@implementer(IAppCache)
class NullCache:
    """Caches nothing: every read reaches the database. For code running without the cache."""

    backend_name = "none"

    def get_or_create(self, key, creator):
        return creator()

    def get_many(self, keys):
        return {}

    def set_many(self, mapping):
        pass

    def invalidate(self, *keys):
        pass

    def ping(self):
        pass


NULL_CACHE = NullCache()
