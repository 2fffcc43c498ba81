"""Which backend the settings choose, and how the cache settings are read."""

import pytest

from novel_pyramid.cache import cache_from_settings, default_backend
from novel_pyramid.config import ConfigurationError, load_settings


@pytest.mark.parametrize(
    "settings, expected",
    [
        ({"redis_url": "redis://localhost:6379/0", "environment": "production"}, "redis"),
        ({"cache.redis_url": "redis://localhost:6379/3", "environment": "testing"}, "redis"),
        ({"environment": "development"}, "memory"),
        # Several production processes with a memory cache each would serve stale data.
        ({"environment": "production"}, "null"),
        ({"environment": "testing"}, "null"),
    ],
)
def test_default_backend(settings, expected):
    assert default_backend(settings) == expected


def test_an_explicit_backend_wins():
    cache = cache_from_settings(load_settings({"cache.backend": "memory", "redis_url": "redis://localhost:1/0"}, {}))
    assert cache.backend_name == "memory"


def test_cache_settings_come_from_the_environment():
    settings = load_settings({}, {"CACHE_BACKEND": "null", "CACHE_EXPIRATION_SECONDS": "60", "SQL_LOG": "true"})
    assert settings["cache.backend"] == "null"
    assert settings["cache.expiration_seconds"] == 60
    assert settings["sql_log.enabled"] is True


def test_an_unknown_backend_is_refused_at_start():
    with pytest.raises(ConfigurationError, match="cache.backend"):
        load_settings({"cache.backend": "memcached"}, {})
