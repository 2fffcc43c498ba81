from tests.unit.cache.redis_server import private_redis, stoppable_redis  # noqa: F401
