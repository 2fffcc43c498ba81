"""Redis clients with short time-outs, and the breaker of each server, shared by the whole process."""

import dataclasses
import threading
from urllib.parse import urlsplit

import kombu.exceptions
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from zope.interface import implementer

from novel_pyramid.config.declarations import SETTINGS_BY_KEY
from novel_pyramid.redisconn.breaker import CircuitBreaker
from novel_pyramid.redisconn.interfaces import IRedisConnections

# What an unreachable or hung server raises: through redis-py, and through
# kombu (the Celery broker). A Redis error reply (WRONGTYPE...) is an answer,
# not an outage, and leaves the breaker alone.
OUTAGES = (
    redis.ConnectionError,
    redis.TimeoutError,
    kombu.exceptions.OperationalError,
    kombu.exceptions.ConnectionError,
    OSError,
)

DEFAULT_PORTS = {"redis": 6379, "rediss": 6379, "amqp": 5672, "amqps": 5671}


@dataclasses.dataclass(frozen=True)
class RedisOptions:
    """How long a Redis call may wait, and when its server's breaker opens and closes.

    Without arguments: the declared defaults of the ``redis.*`` settings.
    """

    connect_timeout: float = SETTINGS_BY_KEY["redis.connect_timeout_seconds"].default
    read_timeout: float = SETTINGS_BY_KEY["redis.read_timeout_seconds"].default
    breaker_failures: int = SETTINGS_BY_KEY["redis.breaker_failures"].default
    breaker_reset_seconds: float = SETTINGS_BY_KEY["redis.breaker_reset_seconds"].default

    @classmethod
    def from_settings(cls, settings):
        return cls(
            connect_timeout=settings["redis.connect_timeout_seconds"],
            read_timeout=settings["redis.read_timeout_seconds"],
            breaker_failures=settings["redis.breaker_failures"],
            breaker_reset_seconds=settings["redis.breaker_reset_seconds"],
        )

    def client_options(self):
        """Keyword arguments of a redis-py client or connection pool."""
        return {
            "socket_connect_timeout": self.connect_timeout,
            "socket_timeout": self.read_timeout,
            # redis-py retries three times with growing pauses by default, which
            # would hold a request for seconds. One immediate retry replaces a
            # pooled connection the server closed; a time-out is not retried,
            # since a server that did not answer once will not answer at once.
            "retry": Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
        }


def server_of(url):
    """The server a URL reaches, as the breaker's name: ``host:port``, or the socket path."""
    parts = urlsplit(url)
    if parts.scheme == "unix" or not parts.hostname:
        return parts.path or url
    return f"{parts.hostname}:{parts.port or DEFAULT_PORTS.get(parts.scheme, 0)}"


@implementer(IRedisConnections)
class RedisConnections:
    def __init__(self, options=None):
        self.options = options or RedisOptions()
        self._pools = {}
        self._breakers = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings):
        return cls(RedisOptions.from_settings(settings))

    def pool(self, url):
        with self._lock:
            if url not in self._pools:
                self._pools[url] = redis.ConnectionPool.from_url(url, **self.options.client_options())
            return self._pools[url]

    def client(self, url):
        return redis.Redis(connection_pool=self.pool(url))

    def breaker(self, url):
        name = server_of(url)
        with self._lock:
            if name not in self._breakers:
                scheme = urlsplit(url).scheme
                kind = "Redis" if scheme in ("redis", "rediss", "unix") else scheme
                self._breakers[name] = CircuitBreaker(
                    f"{kind} at {name}",
                    failure_threshold=self.options.breaker_failures,
                    reset_seconds=self.options.breaker_reset_seconds,
                )
            return self._breakers[name]
