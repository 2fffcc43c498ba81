"""Redis down: reads go to the database with a warning, never an error."""

import logging
import uuid

import pytest

from novel_pyramid.cache import cache_from_settings


@pytest.fixture
def cache(stoppable_redis):
    return cache_from_settings(
        {
            "cache.backend": "redis",
            "cache.redis_url": stoppable_redis.url,
            "cache.key_prefix": f"test:{uuid.uuid4().hex}:",
        }
    )


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
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


def test_set_many_stores_nothing_when_redis_is_down(cache, stoppable_redis, caplog):
    stoppable_redis.stop()
    with caplog.at_level(logging.WARNING, logger="novel_pyramid.cache"):
        cache.set_many({"k": "value"})
        assert cache.get_or_create("k", lambda: "from the database") == "from the database"
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


def test_after_a_failure_the_cache_is_skipped_without_more_warnings(cache, stoppable_redis, caplog):
    stoppable_redis.stop()
    with caplog.at_level(logging.WARNING, logger="novel_pyramid.cache"):
        for _ in range(20):
            assert cache.get_or_create("k", lambda: "db") == "db"
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


def test_the_cache_is_used_again_once_the_pause_is_over(cache, stoppable_redis):
    cache.retry_after = 0
    stoppable_redis.stop()
    assert cache.get_or_create("k", lambda: "db") == "db"
    stoppable_redis.start()
    calls = []
    cache.get_or_create("k", lambda: calls.append(1) or "fresh")
    cache.get_or_create("k", lambda: calls.append(1) or "fresh")
    assert calls == [1]


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
