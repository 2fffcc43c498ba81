"""dogpile.cache regions built from settings, behind ``IAppCache``, failing open.

Values cross process boundaries as JSON, never pickle: a value read back from
Redis can then only ever be plain data, and whoever can write to Redis cannot
make us unpickle code.
"""

import json
import logging
import threading
import time

from dogpile.cache import make_region
from dogpile.cache.api import NO_VALUE
from zope.interface import implementer

from novel_pyramid.cache.interfaces import IAppCache

log = logging.getLogger(__name__)

BACKENDS = ("redis", "memory", "null")

# After a backend failure, requests skip the cache for this long instead of each
# paying a connection attempt (and each logging a warning).
DEFAULT_RETRY_AFTER_SECONDS = 5.0


class NotPlainData(TypeError):
    """A value given to the cache is not JSON data: a programming error, never swallowed."""


def _to_json(value):
    try:
        return json.dumps(value, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise NotPlainData(f"cache values must be plain JSON data: {exc}") from None


def _from_json(payload):
    return json.loads(payload)


def make_cache_region(backend, expiration_seconds, redis_url=None, key_prefix=""):
    """A configured dogpile region for ``backend`` (one of ``BACKENDS``)."""
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
                "url": redis_url,
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
                "socket_timeout": 0.5,
                "socket_connect_timeout": 0.5,
            },
        )
    if backend == "memory":
        return region.configure("dogpile.cache.memory", expiration_time=expiration_seconds)
    if backend == "null":
        return region.configure("dogpile.cache.null")
    raise ValueError(f"unknown cache backend {backend!r}; choose one of {', '.join(BACKENDS)}")


@implementer(IAppCache)
class RegionCache:
    """``IAppCache`` over a dogpile region; a backend failure degrades to no cache."""

    def __init__(self, region, backend_name, retry_after=DEFAULT_RETRY_AFTER_SECONDS):
        self.region = region
        self.backend_name = backend_name
        self.retry_after = retry_after
        self._skip_until = 0.0
        self._lock = threading.Lock()

    def get_or_create(self, key, creator):
        if time.monotonic() < self._skip_until:
            return creator()
        try:
            # Hits, nearly every call, skip building dogpile's (Redis) lock object.
            value = self.region.get(key)
        except Exception as exc:
            self._backend_failed("read", exc)
            return creator()
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

        try:
            return self.region.get_or_create(key, create_and_remember)
        except NotPlainData:
            raise
        except Exception as exc:
            if creator_failed:
                # Our own code failed (a database error...): not the cache's business.
                raise
            if created:
                # The value was made but could not be stored: it is still good.
                self._backend_failed("store", exc)
                return created[0]
            self._backend_failed("read", exc)
            return creator()

    def get_many(self, keys):
        if not keys or time.monotonic() < self._skip_until:
            return {}
        try:
            values = self.region.get_multi(keys)
        except Exception as exc:
            self._backend_failed("read", exc)
            return {}
        return {key: value for key, value in zip(keys, values, strict=True) if value is not NO_VALUE}

    def set_many(self, mapping):
        if not mapping or time.monotonic() < self._skip_until:
            return
        try:
            self.region.set_multi(mapping)
        except NotPlainData:
            raise
        except Exception as exc:
            self._backend_failed("store", exc)

    def invalidate(self, *keys):
        if not keys:
            return
        try:
            self.region.delete_multi(list(keys))
        except Exception as exc:
            # The entries expire on their own (redis_expiration_time); until then
            # they may be stale. Say so loudly: this is the one unsafe outcome.
            log.error("Cache invalidation of %s failed on %s: %s", keys, self.backend_name, exc)

    def ping(self):
        self.region.get("__ping__")

    def _backend_failed(self, operation, exc):
        with self._lock:
            already_skipping = time.monotonic() < self._skip_until
            self._skip_until = time.monotonic() + self.retry_after
        if not already_skipping:
            log.warning(
                "Cache backend %s failed to %s (%s); reading from the database for %.0f s",
                self.backend_name,
                operation,
                exc,
                self.retry_after,
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
