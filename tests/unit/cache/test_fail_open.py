"""Redis down: reads go to the database with a warning, never an error."""

import logging
import signal
import time
import uuid

import pytest

from novel_pyramid.cache import cache_from_settings
from novel_pyramid.config import load_settings

BREAKER_RESET_SECONDS = 0.2


@pytest.fixture
def cache(stoppable_redis):
    return cache_from_settings(
        load_settings(
            {
                "cache.backend": "redis",
                "cache.redis_url": stoppable_redis.url,
                "cache.key_prefix": f"test:{uuid.uuid4().hex}:",
                "redis.breaker_reset_seconds": BREAKER_RESET_SECONDS,
            },
            {},
        )
    )


def cache_warnings(records):
    return [r for r in records if r.levelno == logging.WARNING and r.name.startswith("novel_pyramid.cache")]


def test_reads_fall_back_to_the_creator_with_a_warning(cache, stoppable_redis, caplog):
    assert cache.get_or_create("k", lambda: "cached") == "cached"
    stoppable_redis.stop()
    with caplog.at_level(logging.WARNING, logger="novel_pyramid.cache"):
        assert cache.get_or_create("k", lambda: "from the database") == "from the database"
    assert any("reading from the database" in record.getMessage() for record in caplog.records)


def test_get_many_finds_nothing_when_redis_is_down(cache, stoppable_redis, caplog):
    cache.get_or_create("k", lambda: "cached")
    stoppable_redis.stop()
    with caplog.at_level(logging.WARNING, logger="novel_pyramid.cache"):
        assert cache.get_many(["k"]) == {}
        assert cache.get_or_create("k", lambda: "from the database") == "from the database"
    assert len(cache_warnings(caplog.records)) == 1


def test_set_many_stores_nothing_when_redis_is_down(cache, stoppable_redis, caplog):
    stoppable_redis.stop()
    with caplog.at_level(logging.WARNING, logger="novel_pyramid.cache"):
        cache.set_many({"k": "value"})
        assert cache.get_or_create("k", lambda: "from the database") == "from the database"
    assert len(cache_warnings(caplog.records)) == 1


def test_after_a_few_failures_the_breaker_opens_and_the_cache_is_skipped_without_more_warnings(
    cache, stoppable_redis, caplog
):
    stoppable_redis.stop()
    with caplog.at_level(logging.WARNING):
        for _ in range(20):
            assert cache.get_or_create("k", lambda: "db") == "db"
    assert cache.breaker.state == "open"
    assert len(cache_warnings(caplog.records)) == 1
    [opened] = [r for r in caplog.records if r.name == "novel_pyramid.redisconn.breaker"]
    assert "refused at once" in opened.getMessage()


def test_the_cache_is_used_again_once_the_breaker_has_reset(cache, stoppable_redis, caplog):
    stoppable_redis.stop()
    for _ in range(3):
        assert cache.get_or_create("k", lambda: "db") == "db"
    assert cache.breaker.state == "open"
    stoppable_redis.start()
    time.sleep(BREAKER_RESET_SECONDS)
    calls = []
    cache.get_or_create("k", lambda: calls.append(1) or "fresh")
    with caplog.at_level(logging.WARNING):
        cache.get_or_create("k", lambda: calls.append(1) or "fresh")
    cache.get_or_create("k", lambda: calls.append(1) or "fresh")
    assert calls == [1]
    assert cache.breaker.state == "closed"
    assert any("used again" in r.getMessage() for r in cache_warnings(caplog.records))


def test_errors_of_the_creator_are_not_mistaken_for_an_outage(cache, stoppable_redis):
    def broken():
        raise RuntimeError("database error")

    with pytest.raises(RuntimeError):
        cache.get_or_create("k", broken)
    assert cache.get_or_create("k", lambda: "ok") == "ok"


def test_a_failed_invalidation_is_logged_as_an_error_not_raised(cache, stoppable_redis, caplog):
    stoppable_redis.stop()
    with caplog.at_level(logging.ERROR, logger="novel_pyramid.cache"):
        cache.invalidate("k")
    assert any("invalidation" in record.getMessage() for record in caplog.records)


def test_an_invalidation_missed_during_an_outage_is_sent_once_redis_answers_again(cache, stoppable_redis):
    # The outage is a pause here (the data survives), so the stale entry is still in Redis afterwards.
    assert cache.get_or_create("k", lambda: "old") == "old"
    stoppable_redis.process.send_signal(signal.SIGSTOP)
    try:
        cache.invalidate("k")
    finally:
        stoppable_redis.process.send_signal(signal.SIGCONT)
    time.sleep(BREAKER_RESET_SECONDS)
    assert cache.get_or_create("k", lambda: "new") == "new"
    assert cache.get_or_create("k", lambda: "unused") == "new"
