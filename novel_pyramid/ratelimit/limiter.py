"""Fixed-window rate limiters: the real one over a storage, and the null twin.

A fixed window (the strategy Flask-Limiter used by default for this API) gives
predictable headers: ``X-RateLimit-Reset`` is the end of the current window and
every caller's counter restarts there.
"""

import math
import time
from dataclasses import dataclass

from zope.interface import implementer

from novel_pyramid.ratelimit.interfaces import IRateLimiter


@dataclass(frozen=True)
class Decision:
    """The outcome of one hit. ``counted`` is false when the store was unreachable."""

    allowed: bool
    counted: bool
    limit: int = 0
    remaining: int = 0
    reset_at: int = 0
    retry_after: int = 0

    def headers(self):
        """The ``X-RateLimit-*`` headers (and ``Retry-After`` once refused)."""
        if not self.counted:
            return {}
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


UNCOUNTED = Decision(allowed=True, counted=False)


@implementer(IRateLimiter)
class RateLimiter:
    def __init__(self, storage, bucket, rate, *, key_prefix="ratelimit", clock=time.time):
        self.storage = storage
        self.bucket = bucket
        self.rate = rate
        self.key_prefix = key_prefix
        self.clock = clock

    def _window(self, now):
        index = int(now // self.rate.period)
        return index, (index + 1) * self.rate.period

    def _key(self, caller, window_index):
        return f"{self.key_prefix}:{self.bucket}:{caller}:{window_index}"

    def hit(self, caller):
        now = self.clock()
        window_index, reset_at = self._window(now)
        count = self.storage.increment(self._key(caller, window_index), reset_at)
        if count is None:
            return UNCOUNTED
        return Decision(
            allowed=count <= self.rate.amount,
            counted=True,
            limit=self.rate.amount,
            remaining=max(0, self.rate.amount - count),
            reset_at=reset_at,
            retry_after=max(1, math.ceil(reset_at - now)),
        )

    def clear(self, caller):
        window_index, _ = self._window(self.clock())
        self.storage.clear(self._key(caller, window_index))


@implementer(IRateLimiter)
class NullRateLimiter:
    """Lets everything through and sends no headers: rate limiting is switched off."""

    rate = None

    def __init__(self, bucket=None):
        self.bucket = bucket

    def hit(self, caller):
        return UNCOUNTED

    def clear(self, caller):
        return None
