"""Rate limits (docs/api.md, "Everywhere"): named buckets counted in Redis, or in memory without Redis.

Each bucket is an ``IRateLimiter`` utility registered under its name. With
``ratelimit.enabled`` false every bucket is the null twin, which counts nothing.
When Redis is down the limiter fails open: requests pass, a warning is logged;
while the breaker of its server is open (``novel_pyramid.redisconn``) requests
do not wait for Redis at all.
"""

from novel_pyramid.ratelimit.derivers import rate_limit_deriver, route_bucket
from novel_pyramid.ratelimit.interfaces import IRateLimiter, IRateLimitStorage  # noqa: F401
from novel_pyramid.ratelimit.limiter import NullRateLimiter, RateLimiter
from novel_pyramid.ratelimit.rates import (  # noqa: F401
    DEFAULT_BUCKET,
    EXEMPT,
    EXPORT_BUCKET,
    PROCESSING_BUCKET,
)
from novel_pyramid.ratelimit.storage import storage_from_url
from novel_pyramid.redisconn import redis_connections


def configured_rates(settings):
    """``{bucket: Rate or EXEMPT}``: each bucket's rate, then one bucket per route given its own."""
    rates = dict(settings["ratelimit.limits"])
    for route_name, rate in settings["ratelimit.route_limits"].items():
        rates[route_bucket(route_name)] = rate
    return rates


def includeme(config):
    settings = config.get_settings()
    enabled = settings["ratelimit.enabled"]
    storage = None
    if enabled:
        config.include("novel_pyramid.redisconn")
        storage = storage_from_url(
            settings["ratelimit.storage_url"] or settings["redis_url"], redis_connections(config.registry)
        )
    prefix = settings["ratelimit.key_prefix"]
    for bucket, rate in configured_rates(settings).items():
        if enabled and rate != EXEMPT:
            limiter = RateLimiter(storage, bucket, rate, key_prefix=prefix)
        else:
            limiter = NullRateLimiter(bucket)
        config.registry.registerUtility(limiter, IRateLimiter, name=bucket)
    config.add_view_deriver(rate_limit_deriver)
