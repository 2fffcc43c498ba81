import logging
import time
import uuid

import pytest
import redis

from novel_pyramid.ratelimit.limiter import RateLimiter
from novel_pyramid.ratelimit.rates import Rate
from novel_pyramid.ratelimit.storage import RedisStorage, storage_from_url
from tests.fakes.servers import shared_redis
from tests.unit.ratelimit.contract import START, FakeClock, RateLimitStorageContract

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.mark.redis
class TestRedisStorage(RateLimitStorageContract):
    @pytest.fixture
    def storage(self):
        shared_redis(REDIS_URL)  # CI provides Redis: there a missing one is a failure, not a skip (.ci/run).
        return storage_from_url(REDIS_URL)

    @pytest.fixture
    def prefix(self, storage):
        # The shared Redis may serve other test runs: keys of this one are unique.
        prefix = f"test-ratelimit-{uuid.uuid4().hex}"
        yield prefix
        for key in storage.client.scan_iter(f"{prefix}:*"):
            storage.client.delete(key)

    def test_keys_expire_with_their_window(self, storage, prefix):
        clock = FakeClock(now=time.time())
        limiter = RateLimiter(storage, "default", Rate(5, 60), key_prefix=prefix, clock=clock)
        decision = limiter.hit("user:1")
        (key,) = list(storage.client.scan_iter(f"{prefix}:*"))
        ttl = storage.client.ttl(key)
        assert 0 < ttl <= decision.reset_at - int(clock.now) + 1


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_unreachable_redis_fails_open_with_one_warning(caplog):
    # Nothing listens on port 1: every call fails at once.
    clock = _Clock()
    storage = RedisStorage.from_url("redis://127.0.0.1:1/0", retry_after_failure=5, clock=clock)
    limiter = RateLimiter(storage, "default", Rate(1, 3600), clock=lambda: START)

    with caplog.at_level(logging.WARNING, logger="novel_pyramid.ratelimit.storage"):
        decisions = [limiter.hit("user:1") for _ in range(5)]
        clock.now = 10.0  # Past the pause: Redis is tried again, and still down.
        decisions.append(limiter.hit("user:1"))

    assert all(d.allowed and not d.counted for d in decisions)
    assert all(d.headers() == {} for d in decisions)
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1
    assert "ConnectionError" in warnings[0].getMessage()


def test_requests_skip_redis_while_it_is_paused():
    calls = []

    class CountingClient:
        def pipeline(self, transaction):
            calls.append(1)
            raise redis.ConnectionError("down")

    clock = _Clock()
    storage = RedisStorage(CountingClient(), retry_after_failure=5, clock=clock)
    for _ in range(10):
        assert storage.increment("k", 100) is None
    assert len(calls) == 1
    clock.now = 6.0
    storage.increment("k", 100)
    assert len(calls) == 2
