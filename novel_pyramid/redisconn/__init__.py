"""Connections to Redis (and the broker): short time-outs and a circuit breaker per server, for the process.

A Redis that hangs (SIGSTOP, a full network buffer, a fail-over in progress)
accepts connections and never answers. Every client therefore waits at most
``redis.connect_timeout_seconds`` to connect and ``redis.read_timeout_seconds``
for an answer, and a few failures in a row open the server's breaker
(``redis.breaker_failures``): for ``redis.breaker_reset_seconds`` every call
to that server is refused at once, then one call is tried again. What a
refused call means is each caller's business: the cache reads the database,
the rate limiter lets the request through, an upload answers 503 with
``Retry-After``.

Subsystems include this package themselves (Pyramid runs an include once)
and find the service with ``redis_connections(registry)``.
"""

from novel_pyramid.redisconn.breaker import NEVER_OPEN, CircuitBreaker, CircuitOpen  # noqa: F401
from novel_pyramid.redisconn.interfaces import IRedisConnections
from novel_pyramid.redisconn.services import OUTAGES, RedisConnections, RedisOptions, server_of  # noqa: F401


def redis_connections(registry):
    """The process's ``IRedisConnections`` (registered by ``includeme``)."""
    return registry.getUtility(IRedisConnections)


def includeme(config):
    config.registry.registerUtility(RedisConnections.from_settings(config.get_settings()), IRedisConnections)
