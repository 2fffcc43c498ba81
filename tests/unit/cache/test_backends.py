"""Each cache backend passes the contract."""

import uuid

import pytest

from novel_pyramid.cache import cache_from_settings
from novel_pyramid.config import load_settings
from tests.unit.cache.contract import CacheContract


class TestMemoryBackend(CacheContract):
    @pytest.fixture
    def cache(self):
        return cache_from_settings(load_settings({"cache.backend": "memory"}, {}))


class TestNullBackend(CacheContract):
    caches = False
    coalesces = False

    @pytest.fixture
    def cache(self):
        return cache_from_settings(load_settings({"cache.backend": "null"}, {}))


class TestRedisBackend(CacheContract):
    @pytest.fixture
    def cache(self, private_redis):
        # A fresh prefix per test: no test sees another's keys.
        return cache_from_settings(
            load_settings(
                {
                    "cache.backend": "redis",
                    "cache.redis_url": private_redis.url,
                    "cache.key_prefix": f"test:{uuid.uuid4().hex}:",
                },
                {},
            )
        )

    def test_keys_carry_the_configured_prefix(self, cache, private_redis):
        import redis

        cache.get_or_create("k", lambda: 1)
        client = redis.Redis.from_url(private_redis.url)
        prefix = cache.region.key_mangler("")
        assert client.exists(prefix + "k")

    def test_two_processes_sharing_redis_see_each_others_invalidations(self, cache, private_redis):
        other = cache_from_settings(
            load_settings(
                {
                    "cache.backend": "redis",
                    "cache.redis_url": private_redis.url,
                    "cache.key_prefix": cache.region.key_mangler(""),
                },
                {},
            )
        )
        assert other.get_or_create("k", lambda: "old") == "old"
        assert cache.get_or_create("k", lambda: "unused") == "old"
        cache.invalidate("k")
        assert other.get_or_create("k", lambda: "new") == "new"
