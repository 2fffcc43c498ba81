"""Where rate-limit counters live: Redis (shared by every web process) or this process's memory."""

import logging
import threading
import time

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from zope.interface import implementer

from novel_pyramid.ratelimit.interfaces import IRateLimitStorage

log = logging.getLogger(__name__)

# A limiter must never make a request slow: Redis answers in well under a
# millisecond, so a short time-out only trips when it is really unwell.
REDIS_TIMEOUT_SECONDS = 0.5
# After a failure, requests skip Redis for this long instead of each waiting
# for a time-out of its own; the next request after it tries again.
REDIS_RETRY_AFTER_FAILURE_SECONDS = 5.0
MEMORY_PURGE_THRESHOLD = 10_000


@implementer(IRateLimitStorage)
class RedisStorage:
    def __init__(self, client, *, retry_after_failure=None, clock=time.monotonic):
        self.client = client
        if retry_after_failure is None:
            retry_after_failure = REDIS_RETRY_AFTER_FAILURE_SECONDS
        self.retry_after_failure = retry_after_failure
        self.clock = clock
        self._skip_until = None

    @classmethod
    def from_url(cls, url, **kwargs):
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            # redis-py retries three times with growing pauses by default, which
            # would hold a request for seconds while Redis is down. One immediate
            # retry is kept: it replaces a pooled connection that Redis closed.
            retry=Retry(NoBackoff(), 1),
        )
        return cls(client, **kwargs)

    def increment(self, key, expire_at):
        if self._skip_until is not None and self.clock() < self._skip_until:
            return None
        try:
            # One round trip, applied atomically: the counter never exists without
            # its expiry, so a crash between the two commands cannot leak a key.
            pipeline = self.client.pipeline(transaction=True)
            pipeline.incr(key)
            pipeline.expireat(key, int(expire_at) + 1)
            count, _ = pipeline.execute()
        except redis.RedisError as exc:
            self._fail(exc)
            return None
        if self._skip_until is not None:
            log.warning("Rate-limit store is reachable again; limits apply again")
            self._skip_until = None
        return int(count)

    def clear(self, key):
        try:
            self.client.delete(key)
        except redis.RedisError as exc:
            self._fail(exc)

    def _fail(self, exc):
        # Fail open: an outage of the store must not refuse every user. One warning
        # per outage (not per request) keeps the log readable.
        if self._skip_until is None:
            log.warning(
                "Rate-limit store unreachable (%s: %s); requests are not rate limited until it is back",
                type(exc).__name__,
                exc,
            )
        self._skip_until = self.clock() + self.retry_after_failure


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


def storage_from_url(url):
    """``redis://``, ``rediss://`` or ``unix://`` give Redis; ``memory://`` or nothing, memory."""
    if not url or url.startswith("memory"):
        return MemoryStorage()
    return RedisStorage.from_url(url)
