"""The security headers of every response, errors included: hardening, Content-Security-Policy, no-store.

One tween applies them all in one pass over the response's headers, because
WebOb's case-insensitive ``setdefault`` scans every header on each call.

- **Hardening** (the part of Flask-Talisman we keep). The API serves JSON only,
  so the strictest values cost nothing: no framing, no MIME sniffing, no
  referrer, no powerful browser features.
- **Content-Security-Policy.** An API answer should never be rendered as a
  page: ``security.csp`` (CONTENT_SECURITY_POLICY) is declared with
  ``default-src 'none'; frame-ancestors 'none'`` by default.
- **Cache-Control: no-store.** An answer to a request that carried credentials
  (``Authorization``) holds one user's data: it always gets ``no-store``,
  whatever the view set. Other answers get it too unless the view chose its own
  caching, because some of them also carry secrets (sign-in returns tokens to a
  request without ``Authorization``).

- **Server.** granian adds ``Server: granian`` to any answer that names no
  server, and cannot be told not to; naming none of our parts (OWASP: "remove
  it or set a non-informative value") keeps the stack unadvertised.

A view that needs something else (an HTML documentation page) sets its own
header, which is kept, ``Cache-Control`` of credentialed answers apart.
"""

HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600
NO_STORE = "no-store"
# Says nothing of the server, the framework or their versions.
SERVER_NAME = "api"

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


def hardening_headers(settings):
    headers = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Server": SERVER_NAME,
    }
    # Only production is served over HTTPS for certain; HSTS on a development
    # host (localhost) would pin every other local project to HTTPS for a year.
    if settings["environment"] == "production":
        headers["Strict-Transport-Security"] = f"max-age={HSTS_MAX_AGE_SECONDS}; includeSubDomains"
    return headers


def default_headers(settings):
    """``(lowercased name, name, value)`` of every header a response gets unless its view set it."""
    headers = {
        **hardening_headers(settings),
        "Content-Security-Policy": settings["security.csp"],
        "Cache-Control": NO_STORE,
    }
    return tuple((name.lower(), name, value) for name, value in headers.items())


def security_headers_tween_factory(handler, registry):
    defaults = default_headers(registry.settings)

    def security_headers_tween(request):
        response = handler(request)
        headerlist = response.headerlist
        present = {name.lower() for name, _ in headerlist}
        if "HTTP_AUTHORIZATION" in request.environ and "cache-control" in present:
            response.headers["Cache-Control"] = NO_STORE
        headerlist.extend((name, value) for lowered, name, value in defaults if lowered not in present)
        return response

    return security_headers_tween
