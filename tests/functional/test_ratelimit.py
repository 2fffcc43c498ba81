"""Rate limits through the whole app (in-memory store): headers, 429, per user and per address."""

import pytest

from tests.functional.conftest import bearer

CLIENT = {"REMOTE_ADDR": "192.0.2.10"}


@pytest.fixture
def limited_app(make_app):
    def factory(**overrides):
        return make_app(**{"ratelimit.enabled": "true", "ratelimit.storage_url": "memory://", **overrides})

    return factory


def sign_in(app, email="lea@example.com"):
    return app.post_json("/api/v1/auth/dev-login", {"email": email}, extra_environ=CLIENT).json


def test_limited_routes_report_their_allowance(limited_app):
    app = limited_app()
    token = sign_in(app)["access_token"]
    response = app.get("/api/v1/auth/me", headers=bearer(token), extra_environ=CLIENT)
    assert response.headers["X-RateLimit-Limit"] == "100"
    assert response.headers["X-RateLimit-Remaining"] == "99"  # Counted for Léa, not the address.
    assert int(response.headers["X-RateLimit-Reset"]) % 3600 == 0


def test_over_the_limit_is_a_json_429_with_retry_after(limited_app):
    app = limited_app(**{"ratelimit.limits": "default=3/hour"})
    token = sign_in(app)["access_token"]
    headers = {**bearer(token), "Origin": "http://localhost:3000"}
    for remaining in ("2", "1", "0"):
        response = app.get("/api/v1/history", headers=headers, extra_environ=CLIENT)
        assert response.headers["X-RateLimit-Remaining"] == remaining

    refused = app.get("/api/v1/history", headers=headers, extra_environ=CLIENT, status=429)
    assert refused.content_type == "application/json"
    assert refused.json["code"] == "rate_limited"
    assert "3 per hour" in refused.json["error"]
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert refused.headers["X-RateLimit-Limit"] == "3"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    # The browser may read the 429 and its headers.
    assert refused.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "Retry-After" in refused.headers["Access-Control-Expose-Headers"]
    assert refused.headers["Cache-Control"] == "no-store"


def test_users_are_counted_apart_and_anonymous_callers_by_address(limited_app):
    app = limited_app(**{"ratelimit.limits": "default=2/hour"})
    lea = sign_in(app, "lea@example.com")["access_token"]  # Address 192.0.2.10 has used 1.
    tom = sign_in(app, "tom@example.com")["access_token"]  # ... and 2.
    for _ in range(2):
        app.get("/api/v1/auth/me", headers=bearer(lea), extra_environ=CLIENT)
    app.get("/api/v1/auth/me", headers=bearer(lea), extra_environ=CLIENT, status=429)
    app.get("/api/v1/auth/me", headers=bearer(tom), extra_environ=CLIENT, status=200)

    app.post_json("/api/v1/auth/dev-login", {"email": "x@example.com"}, extra_environ=CLIENT, status=429)
    other_address = {"REMOTE_ADDR": "192.0.2.11"}
    app.post_json("/api/v1/auth/dev-login", {"email": "x@example.com"}, extra_environ=other_address)


def test_forged_forwarded_for_does_not_buy_a_new_allowance(limited_app):
    app = limited_app(**{"ratelimit.limits": "default=1/hour", "security.trusted_proxies": "1"})
    behind_proxy = {"REMOTE_ADDR": "10.0.0.2"}

    def login_as(forwarded_for, status=200):
        return app.post_json(
            "/api/v1/auth/dev-login",
            {"email": "lea@example.com"},
            headers={"X-Forwarded-For": forwarded_for},
            extra_environ=behind_proxy,
            status=status,
        )

    login_as("203.0.113.7")
    login_as("6.6.6.1, 203.0.113.7", status=429)  # Same client, whatever it prepends.
    login_as("198.51.100.4")  # Another client behind the same proxy.


def test_health_probes_are_never_limited(limited_app):
    app = limited_app(**{"ratelimit.limits": "default=1/hour"})
    for _ in range(5):
        for path in ("/api/v1/health", "/api/v1/health/live"):
            response = app.get(path, extra_environ=CLIENT)
            assert "X-RateLimit-Limit" not in response.headers


def test_preflights_and_unknown_routes_cost_nothing(limited_app):
    app = limited_app(**{"ratelimit.limits": "default=1/hour"})
    for _ in range(5):
        app.options(
            "/api/v1/auth/dev-login",
            headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"},
            extra_environ=CLIENT,
            status=204,
        )
        app.get("/api/v1/nope", extra_environ=CLIENT, status=404)
    sign_in(app)


def test_per_route_limits_from_settings(limited_app):
    app = limited_app(**{"ratelimit.route_limits": "v1.auth.dev_login=1/minute, v1.auth.me=exempt"})
    token = sign_in(app)["access_token"]
    refused = app.post_json("/api/v1/auth/dev-login", {"email": "lea@example.com"}, extra_environ=CLIENT, status=429)
    assert refused.headers["X-RateLimit-Limit"] == "1"
    assert int(refused.headers["Retry-After"]) <= 60
    me = app.get("/api/v1/auth/me", headers=bearer(token), extra_environ=CLIENT)
    assert "X-RateLimit-Limit" not in me.headers


def test_limits_off_by_setting(make_app):
    app = make_app(**{"ratelimit.enabled": "false", "ratelimit.limits": "default=1/hour"})
    for _ in range(3):
        response = app.post_json("/api/v1/auth/dev-login", {"email": "lea@example.com"})
        assert "X-RateLimit-Limit" not in response.headers
