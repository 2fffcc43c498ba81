import logging
import time
import uuid

import pytest
import redis

from novel_pyramid.config.rates import Rate
from novel_pyramid.ratelimit.limiter import RateLimiter
from novel_pyramid.ratelimit.storage import RedisStorage, storage_from_url
from novel_pyramid.redisconn import CircuitBreaker, RedisConnections, RedisOptions
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
    connections = RedisConnections()
    breaker = CircuitBreaker("Redis at 127.0.0.1:1", failure_threshold=3, reset_seconds=5, clock=clock)
    storage = RedisStorage(connections.client("redis://127.0.0.1:1/0"), breaker)
    limiter = RateLimiter(storage, "default", Rate(1, 3600), clock=lambda: START)

    with caplog.at_level(logging.WARNING, logger="novel_pyramid.ratelimit.storage"):
        decisions = [limiter.hit("user:1") for _ in range(5)]
        clock.now = 10.0  # Past the breaker's pause: Redis is tried again, and still down.
        decisions.append(limiter.hit("user:1"))

    assert all(d.allowed and not d.counted for d in decisions)
    assert all(d.headers() == {} for d in decisions)
    warnings = [r for r in caplog.records if r.name == "novel_pyramid.ratelimit.storage"]
    assert len(warnings) == 1
    assert "ConnectionError" in warnings[0].getMessage()


class CountingClient:
    """A Redis client whose every pipeline fails as an unreachable server's would."""

    def __init__(self):
        self.calls = 0

    def pipeline(self, transaction):
        self.calls += 1
        raise redis.TimeoutError("Timeout reading from socket")


def test_requests_skip_redis_while_its_breaker_is_open():
    clock = _Clock()
    client = CountingClient()
    storage = RedisStorage(client, CircuitBreaker("Redis", failure_threshold=3, reset_seconds=5, clock=clock))
    for _ in range(10):
        assert storage.increment("k", 100) is None
    assert client.calls == 3  # the breaker opened after three failures in a row
    clock.now = 6.0
    storage.increment("k", 100)  # the one trial once the pause is over
    storage.increment("k", 100)  # refused again: the trial failed
    assert client.calls == 4


def test_a_failure_of_another_client_of_the_same_server_opens_the_breaker_for_the_limiter():
    connections = RedisConnections(RedisOptions(breaker_failures=1))
    url = "redis://127.0.0.1:1/3"
    client = CountingClient()
    storage = RedisStorage(client, connections.breaker(url))
    # The cache (database 0 of the same server) saw it fail.
    connections.breaker("redis://127.0.0.1:1/0").failed(redis.TimeoutError("Timeout reading from socket"))
    assert storage.increment("k", 100) is None
    assert client.calls == 0
