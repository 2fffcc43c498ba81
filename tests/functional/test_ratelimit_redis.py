"""Rate limits on Redis: shared by every web process, and failing open when Redis goes away."""

import logging
import time
import uuid

import pytest

from tests.fakes.servers import redis_fixture, shared_redis

SHARED_REDIS = "redis://127.0.0.1:6379/0"
CLIENT = {"REMOTE_ADDR": "192.0.2.20"}

pytestmark = pytest.mark.redis

# A redis-server of this test alone, which it may stop (the shared one is never touched).
# CI provides Redis: there a missing one is a failure, not a skip (.ci/run).
own_redis = redis_fixture("own_redis")


@pytest.fixture
def shared_redis_prefix():
    client = shared_redis(SHARED_REDIS)
    prefix = f"test-ratelimit-{uuid.uuid4().hex}"
    yield prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def redis_app(make_app, url, prefix="test-ratelimit", **overrides):
    settings = {
        "ratelimit.enabled": "true",
        "ratelimit.storage_url": url,
        "ratelimit.key_prefix": prefix,
        **overrides,
    }
    return make_app(**settings)


def test_every_web_process_shares_the_count(make_app, shared_redis_prefix):
    # Two app instances stand for two web processes (or pods) behind one balancer.
    first = redis_app(make_app, SHARED_REDIS, shared_redis_prefix, **{"ratelimit.limits": "default=3/hour"})
    second = redis_app(make_app, SHARED_REDIS, shared_redis_prefix, **{"ratelimit.limits": "default=3/hour"})
    login = {"email": "lea@example.com"}
    first.post_json("/api/v1/auth/dev-login", login, extra_environ=CLIENT)
    second.post_json("/api/v1/auth/dev-login", login, extra_environ=CLIENT)
    response = first.post_json("/api/v1/auth/dev-login", login, extra_environ=CLIENT)
    assert response.headers["X-RateLimit-Remaining"] == "0"
    second.post_json("/api/v1/auth/dev-login", login, extra_environ=CLIENT, status=429)


def test_redis_down_fails_open_with_a_warning_then_recovers(make_app, own_redis, caplog):
    app = redis_app(
        make_app, own_redis.url, **{"ratelimit.limits": "default=2/hour", "redis.breaker_reset_seconds": 0.2}
    )
    login = {"email": "lea@example.com"}
    assert app.post_json("/api/v1/auth/dev-login", login, extra_environ=CLIENT).headers["X-RateLimit-Remaining"] == "1"

    own_redis.stop()
    with caplog.at_level(logging.WARNING, logger="novel_pyramid.ratelimit.storage"):
        started = time.monotonic()
        for _ in range(4):  # Over the limit of 2, yet every request passes.
            response = app.post_json("/api/v1/auth/dev-login", login, extra_environ=CLIENT)
            assert "X-RateLimit-Limit" not in response.headers
        assert time.monotonic() - started < 5  # No request waits for Redis.
    warnings = [r for r in caplog.records if r.name == "novel_pyramid.ratelimit.storage"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "unreachable" in warnings[0].getMessage()

    own_redis.start()  # Same port; its counters are gone with the old process.
    time.sleep(0.3)
    response = app.post_json("/api/v1/auth/dev-login", login, extra_environ=CLIENT)
    assert response.headers["X-RateLimit-Remaining"] == "1"
