"""What the Redis connections service gives the subsystems that talk to Redis."""

from zope.interface import Attribute, Interface


class IRedisConnections(Interface):
    """Clients with short time-outs, and one circuit breaker per server, for the whole process.

    The cache, the rate limiter, the broker publish and the readiness probe all
    take their clients and breakers here, so a server that stops answering is
    noticed once for all of them.
    """

    options = Attribute("The ``RedisOptions``: time-outs and breaker thresholds.")

    def pool(url):
        """The connection pool of ``url``, made once (redis-py pools are thread-safe)."""

    def client(url):
        """A redis-py client on ``pool(url)``."""

    def breaker(url):
        """The ``CircuitBreaker`` of the server ``url`` reaches (every database of a server shares it)."""
