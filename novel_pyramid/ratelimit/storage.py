"""Where rate-limit counters live: Redis (shared by every web process) or this process's memory."""

import logging
import threading
import time

import redis
from zope.interface import implementer

from novel_pyramid.ratelimit.interfaces import IRateLimitStorage
from novel_pyramid.redisconn import OUTAGES, CircuitOpen, RedisConnections

log = logging.getLogger(__name__)

# What makes a count impossible: Redis unreachable, refused by its breaker, or an error reply.
STORE_FAILURES = (CircuitOpen, redis.RedisError, *OUTAGES)

MEMORY_PURGE_THRESHOLD = 10_000


@implementer(IRateLimitStorage)
class RedisStorage:
    """Counters in Redis. ``breaker`` is the breaker of its server, shared with the process's other clients.

    A limiter must never make a request slow: the client's short time-outs
    (``redisconn``) bound a hung Redis, and while the breaker refuses calls
    requests skip Redis without waiting at all.
    """

    def __init__(self, client, breaker):
        self.client = client
        self.breaker = breaker
        self._unreachable = False

    @classmethod
    def from_url(cls, url, connections=None):
        connections = connections or RedisConnections()
        return cls(connections.client(url), connections.breaker(url))

    def increment(self, key, expire_at):
        try:
            with self.breaker.guard(OUTAGES):
                # One round trip, applied atomically: the counter never exists without
                # its expiry, so a crash between the two commands cannot leak a key.
                pipeline = self.client.pipeline(transaction=True)
                pipeline.incr(key)
                pipeline.expireat(key, int(expire_at) + 1)
                count, _ = pipeline.execute()
        except STORE_FAILURES as exc:
            self._fail(exc)
            return None
        if self._unreachable:
            self._unreachable = False
            log.warning("Rate-limit store is reachable again; limits apply again")
        return int(count)

    def clear(self, key):
        try:
            with self.breaker.guard(OUTAGES):
                self.client.delete(key)
        except STORE_FAILURES as exc:
            self._fail(exc)

    def _fail(self, exc):
        # Fail open: an outage of the store must not refuse every user. One warning
        # per outage (not per request) keeps the log readable.
        if not self._unreachable:
            self._unreachable = True
            log.warning(
                "Rate-limit store unreachable (%s: %s); requests are not rate limited until it is back",
                type(exc).__name__,
                exc,
            )


@implementer(IRateLimitStorage)
class MemoryStorage:
    """Counters of one process: for development and single-process installs without Redis."""

    def __init__(self, clock=time.time):
        self.clock = clock
        self._counters = {}
        self._lock = threading.Lock()

    def increment(self, key, expire_at):
        with self._lock:
            if len(self._counters) > MEMORY_PURGE_THRESHOLD:
                self._purge_expired()
            count, _ = self._counters.get(key, (0, expire_at))
            self._counters[key] = (count + 1, expire_at)
            return count + 1

    def clear(self, key):
        with self._lock:
            self._counters.pop(key, None)

    def _purge_expired(self):
        now = self.clock()
        for key in [k for k, (_, expire_at) in self._counters.items() if expire_at <= now]:
            del self._counters[key]


def storage_from_url(url, connections=None):
    """``redis://``, ``rediss://`` or ``unix://`` give Redis; ``memory://`` or nothing, memory."""
    if not url or url.startswith("memory"):
        return MemoryStorage()
    return RedisStorage.from_url(url, connections)
