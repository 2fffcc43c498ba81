"""Browser hardening headers on every response, errors included (the part of Flask-Talisman we keep).

The API serves JSON only, so the strictest values cost nothing: no framing,
no MIME sniffing, no referrer, no powerful browser features. A view that needs
something else (an HTML documentation page) sets its own header; we never
overwrite one.
"""

HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600

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
    }
    # Only production is served over HTTPS for certain; HSTS on a development
    # host (localhost) would pin every other local project to HTTPS for a year.
    if settings.get("environment") == "production":
        headers["Strict-Transport-Security"] = f"max-age={HSTS_MAX_AGE_SECONDS}; includeSubDomains"
    return headers


def hardening_headers_tween_factory(handler, registry):
    headers = hardening_headers(registry.settings)

    def hardening_headers_tween(request):
        response = handler(request)
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    return hardening_headers_tween
