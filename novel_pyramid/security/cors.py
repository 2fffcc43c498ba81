"""CORS for the browser frontend: the one authority for every route, errors included.

Cornice's own CORS support stays off (our services set no ``cors_origins``), so
this tween is the only mechanism. It answers preflights itself, before routing,
authentication and rate limits: a browser never sends credentials on a
preflight, and a preflight must not use up the caller's allowance.

Credentials are allowed, so an allowed origin is echoed, never ``*``; an origin
that is not listed gets no CORS header at all and the browser blocks the call.
"""

from urllib.parse import urlsplit

from pyramid.response import Response

from novel_pyramid.errors.rendering import error_response

ALLOWED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
ALLOWED_HEADERS = ("Authorization", "Content-Type", "Prefer", "X-Request-ID")
# Headers the frontend may read; credentialed requests cannot use a wildcard here.
EXPOSED_HEADERS = (
    "Location",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-Request-ID",
)
PREFLIGHT_VARY = ("Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers")
DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(origin):
    """``scheme://host[:port]`` in lower case, or raise ``ValueError`` saying what is wrong."""
    text = origin.strip().rstrip("/")
    parts = urlsplit(text)
    if text == "*":
        raise ValueError("'*' cannot be used: credentials are allowed, so each origin must be listed")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{origin!r} is not an origin like https://app.example.com")
    if parts.path or parts.query or parts.fragment or parts.username:
        raise ValueError(f"{origin!r} must be only scheme://host[:port], without a path")
    # A browser never sends the default port: https://app.example.com:443 is https://app.example.com.
    port = f":{parts.port}" if parts.port and parts.port != DEFAULT_PORTS[parts.scheme] else ""
    return f"{parts.scheme}://{parts.hostname.rstrip('.')}{port}"


def add_vary(response, *names):
    current = list(response.vary or ())
    lowered = {name.lower() for name in current}
    response.vary = tuple(current + [name for name in names if name.lower() not in lowered])


class CorsPolicy:
    def __init__(self, origins, max_age):
        self.origins = frozenset(normalise_origin(origin) for origin in origins)
        self.max_age = max_age

    @classmethod
    def from_settings(cls, settings):
        return cls(settings["cors.origins"], settings["cors.max_age"])

    def allows(self, origin):
        try:
            return normalise_origin(origin) in self.origins
        except ValueError:
            return False

    @staticmethod
    def is_preflight(request):
        return (
            request.method == "OPTIONS"
            and "Origin" in request.headers
            and "Access-Control-Request-Method" in request.headers
        )

    def preflight_response(self, request):
        origin = request.headers["Origin"]
        if not self.allows(origin):
            response = error_response(403, "This origin may not call the API", "origin_not_allowed")
        else:
            response = Response(status=204)
            response.content_type = None
            response.headers.update(
                {
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Allow-Credentials": "true",
                    "Access-Control-Allow-Methods": ", ".join(ALLOWED_METHODS),
                    "Access-Control-Allow-Headers": ", ".join(ALLOWED_HEADERS),
                    "Access-Control-Max-Age": str(self.max_age),
                }
            )
        add_vary(response, *PREFLIGHT_VARY)
        return response

    def decorate(self, request, response):
        # The answer depends on Origin even when none was sent: caches must know.
        add_vary(response, "Origin")
        origin = request.headers.get("Origin")
        if origin and self.allows(origin):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
            response.headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSED_HEADERS)
        return response


def cors_tween_factory(handler, registry):
    policy = registry["security.cors"]

    def cors_tween(request):
        if policy.is_preflight(request):
            return policy.preflight_response(request)
        return policy.decorate(request, handler(request))

    return cors_tween
