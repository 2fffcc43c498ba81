"""The ``rate_limit`` view option: count each request against its route's bucket.

A view deriver (as in warehouse) rather than a tween, because only the view
knows its bucket, and because it runs after routing and the permission check:
a request refused for another reason costs its caller nothing, and exception
views (404s, errors) are never counted.

Declare a bucket on a Cornice view with ``@service.post(..., rate_limit="process-pdf")``;
views that declare nothing share the ``default`` bucket, and
``rate_limit="exempt"`` switches limiting off for a view (health probes).
"""

from pyramid.exceptions import ConfigurationError

from novel_pyramid.errors import RateLimited
from novel_pyramid.metrics.record import count_rate_limit_refusal
from novel_pyramid.ratelimit.interfaces import IRateLimiter
from novel_pyramid.ratelimit.limiter import NullRateLimiter
from novel_pyramid.ratelimit.rates import DEFAULT_BUCKET, EXEMPT


def route_bucket(route_name):
    """The bucket of a route given its own rate by the ``ratelimit.route_limits`` setting."""
    return f"route:{route_name}"


def bucket_for_view(options, registry):
    """The bucket a view counts against, or ``None`` when it is not limited."""
    route_name = options.get("route_name")
    if route_name and registry.queryUtility(IRateLimiter, name=route_bucket(route_name)):
        return route_bucket(route_name)
    declared = options.get("rate_limit") or DEFAULT_BUCKET
    if declared == EXEMPT:
        return None
    return declared


def caller_of(request):
    """Signed-in users are counted per user; everyone else per client address.

    ``remote_addr`` is the address the security package resolved behind the
    configured number of trusted proxies; the raw ``X-Forwarded-For`` header is
    never read here, since any client can write it.
    """
    identity = request.identity
    if identity is not None:
        return f"user:{identity.id}"
    return f"addr:{request.remote_addr or 'unknown'}"


def rate_limit_deriver(view, info):
    if info.exception_only:
        return view
    bucket = bucket_for_view(info.options, info.registry)
    if bucket is None:
        return view
    limiter = info.registry.queryUtility(IRateLimiter, name=bucket)
    if limiter is None:
        raise ConfigurationError(
            f"View of route {info.options.get('route_name')!r} names rate-limit bucket {bucket!r}, "
            "which is not configured (ratelimit.limits)."
        )
    if isinstance(limiter, NullRateLimiter):
        return view

    def rate_limited_view(context, request):
        decision = limiter.hit(caller_of(request))
        headers = decision.headers()
        if headers:
            # A callback, so the headers also reach responses of errors raised later in the view.
            request.add_response_callback(lambda _, response: _set_headers(response, headers))
        if not decision.allowed:
            count_rate_limit_refusal(bucket)
            raise RateLimited(
                f"Too many requests: the limit is {limiter.rate}. Try again in {decision.retry_after} seconds.",
                headers=headers,
            )
        return view(context, request)

    return rate_limited_view


rate_limit_deriver.options = ("rate_limit",)


def _set_headers(response, headers):
    for name, value in headers.items():
        response.headers[name] = value
