"""What every rate-limit store must do, checked through the limiter (kinto's backend-contract style)."""

import pytest

from novel_pyramid.config.rates import Rate
from novel_pyramid.ratelimit.interfaces import IRateLimitStorage
from novel_pyramid.ratelimit.limiter import RateLimiter

HOUR = 3600
START = 1_800_000_000.0  # A window boundary: START % HOUR == 0.


class FakeClock:
    def __init__(self, now=START):
        self.now = now

    def __call__(self):
        return self.now


class RateLimitStorageContract:
    """Subclasses provide a ``storage`` fixture and a unique ``prefix`` fixture."""

    @pytest.fixture
    def clock(self):
        return FakeClock()

    @pytest.fixture
    def limiter(self, storage, prefix, clock):
        return RateLimiter(storage, "export", Rate(3, HOUR), key_prefix=prefix, clock=clock)

    def test_provides_the_interface(self, storage):
        assert IRateLimitStorage.providedBy(storage)

    def test_counts_down_then_refuses(self, limiter, clock):
        clock.now = START + 600
        decisions = [limiter.hit("user:1") for _ in range(4)]
        assert [d.allowed for d in decisions] == [True, True, True, False]
        assert [d.remaining for d in decisions] == [2, 1, 0, 0]
        refused = decisions[-1]
        assert refused.counted and refused.limit == 3
        assert refused.reset_at == START + HOUR
        assert refused.retry_after == HOUR - 600
        assert refused.headers() == {
            "X-RateLimit-Limit": "3",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(START + HOUR)),
            "Retry-After": str(HOUR - 600),
        }
        assert "Retry-After" not in decisions[0].headers()

    def test_callers_are_counted_apart(self, limiter):
        for _ in range(3):
            limiter.hit("user:1")
        assert not limiter.hit("user:1").allowed
        assert limiter.hit("user:2").allowed
        assert limiter.hit("addr:192.0.2.1").remaining == 2

    def test_buckets_are_counted_apart(self, storage, prefix, clock, limiter):
        other = RateLimiter(storage, "process-pdf", Rate(3, HOUR), key_prefix=prefix, clock=clock)
        for _ in range(3):
            limiter.hit("user:1")
        assert other.hit("user:1").remaining == 2

    def test_a_new_window_starts_afresh(self, limiter, clock):
        for _ in range(4):
            limiter.hit("user:1")
        clock.now = START + HOUR
        decision = limiter.hit("user:1")
        assert decision.allowed and decision.remaining == 2
        assert decision.reset_at == START + 2 * HOUR

    def test_clear_forgets_the_caller(self, limiter):
        for _ in range(4):
            limiter.hit("user:1")
        limiter.clear("user:1")
        assert limiter.hit("user:1").remaining == 2
