"""The shared cache (dogpile.cache regions chosen by settings) and the development SQL log.

``cache.backend`` picks the backend: ``redis`` (production: shared by every web
process, misses coalesced with a Redis lock), ``memory`` (development, one
process) or ``null`` (caches nothing; tests that must see the database). By
default: redis when there is a Redis URL, memory in development, null otherwise,
because a per-process memory cache would go stale across production processes.
"""

from novel_pyramid.cache.interfaces import IAppCache
from novel_pyramid.cache.invalidation import (  # noqa: F401
    StaleKeys,
    cache_of,
    invalidate_after_commit,
    watch_session_factory,
)
from novel_pyramid.cache.keys import chunk_result_key  # noqa: F401
from novel_pyramid.cache.regions import NULL_CACHE, RegionCache, make_cache_region  # noqa: F401
from novel_pyramid.cache.sql_log import install_sql_log
from novel_pyramid.redisconn import NEVER_OPEN, RedisConnections, redis_connections


def default_backend(settings):
    if settings.get("cache.redis_url") or settings.get("redis_url"):
        return "redis"
    if settings.get("environment") == "development":
        return "memory"
    return "null"


def cache_from_settings(settings, connections=None):
    """The cache ``settings`` choose; its Redis connections from ``connections`` (else a private set)."""
    backend = settings.get("cache.backend") or default_backend(settings)
    pool, breaker = None, NEVER_OPEN
    if backend == "redis":
        connections = connections or RedisConnections.from_settings(settings)
        url = settings.get("cache.redis_url") or settings.get("redis_url")
        pool, breaker = connections.pool(url), connections.breaker(url)
    region = make_cache_region(
        backend,
        expiration_seconds=settings["cache.expiration_seconds"],
        connection_pool=pool,
        key_prefix=settings["cache.key_prefix"],
    )
    return RegionCache(region, backend, breaker)


def includeme(config):
    config.include("novel_pyramid.redisconn")
    settings = config.get_settings()
    cache = cache_from_settings(settings, redis_connections(config.registry))
    settings["cache.backend"] = cache.backend_name
    config.registry.registerUtility(cache, IAppCache)
    stale_keys = StaleKeys()
    watch_session_factory(config.registry["db.session_factory"], cache, stale_keys)

    def add_cache_invalidation(config, model, keys_of):
        """Forget ``keys_of(row)`` once a transaction that changed a ``model`` row commits."""
        stale_keys.add(model, keys_of)

    config.add_directive("add_cache_invalidation", add_cache_invalidation)
    if settings.get("sql_log.enabled"):
        install_sql_log(config.registry["db.engine"])
