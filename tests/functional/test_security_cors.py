"""CORS from CORS_ORIGINS: preflights answered before auth, headers on every answer, errors included."""

import pytest

from novel_pyramid.config import ConfigurationError

FRONTEND = "http://localhost:3000"
STRANGER = "https://evil.example"


def preflight(app, path, origin=FRONTEND, method="POST", status=204, **headers):
    return app.options(
        path,
        headers={"Origin": origin, "Access-Control-Request-Method": method, **headers},
        status=status,
    )


def test_preflight_of_a_protected_route_needs_no_credentials(testapp):
    response = preflight(
        testapp,
        "/api/v1/history/12",
        method="DELETE",
        **{"Access-Control-Request-Headers": "authorization, content-type"},
    )
    assert response.headers["Access-Control-Allow-Origin"] == FRONTEND
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "DELETE" in response.headers["Access-Control-Allow-Methods"]
    allowed_headers = response.headers["Access-Control-Allow-Headers"]
    for name in ("Authorization", "Content-Type", "Prefer", "X-Request-ID"):
        assert name in allowed_headers
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert "Origin" in response.headers["Vary"]
    assert response.body == b""


def test_preflight_of_any_route_and_of_an_unknown_one(testapp):
    preflight(testapp, "/api/v1/process-pdf")
    preflight(testapp, "/api/v2/auth/sessions", method="GET")
    preflight(testapp, "/api/v1/does-not-exist", method="GET")


def test_preflight_from_a_stranger_gets_no_cors_headers(testapp):
    response = preflight(testapp, "/api/v1/history", origin=STRANGER, method="GET", status=403)
    assert not any(name.startswith("Access-Control-") for name in response.headers)
    assert response.json["code"] == "origin_not_allowed"


def test_plain_options_without_preflight_headers_is_left_to_the_app(testapp):
    testapp.options("/api/v1/health", status=405)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/health", 200),
        ("get", "/api/v1/auth/me", 401),
        ("get", "/api/v1/nope", 404),
        ("get", "/api/v1/history?limit=0", 401),
    ],
)
def test_allowed_origin_is_echoed_on_every_answer(testapp, method, path, status):
    response = getattr(testapp, method)(path, headers={"Origin": FRONTEND}, status=status)
    assert response.headers["Access-Control-Allow-Origin"] == FRONTEND
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    exposed = {name.strip() for name in response.headers["Access-Control-Expose-Headers"].split(",")}
    rate_limit_headers = {f"X-RateLimit-{part}" for part in ("Limit", "Remaining", "Reset")}
    assert exposed >= {"Location", "Retry-After", "X-Request-ID", *rate_limit_headers}
    assert "Origin" in response.headers["Vary"]


def test_validation_error_of_a_signed_in_call_carries_cors(testapp, auth_headers):
    response = testapp.get("/api/v1/history?limit=0", headers={"Origin": FRONTEND, **auth_headers()}, status=400)
    assert response.headers["Access-Control-Allow-Origin"] == FRONTEND


def test_stranger_gets_no_cors_headers_but_vary(testapp):
    response = testapp.get("/api/v1/health", headers={"Origin": STRANGER})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "Origin" in response.headers["Vary"]


def test_origins_come_from_the_setting(make_app):
    app = make_app(**{"cors.origins": "https://app.example.com, https://Admin.Example.com:8443/"})
    assert (
        app.get("/api/v1/health", headers={"Origin": "https://app.example.com"}).headers["Access-Control-Allow-Origin"]
        == "https://app.example.com"
    )
    preflight(app, "/api/v1/history", origin="https://admin.example.com:8443", method="GET")
    response = app.get("/api/v1/health", headers={"Origin": FRONTEND})
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("origins", ["*", "localhost:3000", "https://app.example.com/path"])
def test_unusable_origins_stop_the_start(make_app, origins):
    with pytest.raises(ConfigurationError, match="cors.origins"):
        make_app(**{"cors.origins": origins})
