"""Hardening headers, CSP and no-store reach every answer: successes, errors, preflights."""

import pytest

from novel_pyramid.config import SETTINGS_BY_KEY
from tests.functional.conftest import bearer

HARDENING = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": SETTINGS_BY_KEY["security.csp"].default,
}


def assert_hardened(response):
    for name, value in HARDENING.items():
        assert response.headers[name] == value, name
    assert "camera=()" in response.headers["Permissions-Policy"]


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/v1/health", 200), ("/api/v1/nope", 404), ("/api/v1/auth/me", 401)],
)
def test_every_answer_is_hardened(testapp, path, status):
    response = testapp.get(path, status=status)
    assert_hardened(response)
    assert "Strict-Transport-Security" not in response.headers


def test_validation_errors_and_wrong_methods_are_hardened(testapp):
    assert_hardened(testapp.get("/api/v1/health?unexpected=1", status=400))
    assert_hardened(testapp.put_json("/api/v1/health", {}, status=405))


def test_hsts_only_in_production(make_app):
    app = make_app(
        environment="production",
        **{
            "auth.dev_login": "false",
            "database.allow_sqlite_in_production": "true",
            "secret_key": "s" * 40,
            "jwt.secret_key": "j" * 40,
        },
    )
    response = app.get("/api/v1/health/live")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert_hardened(response)


def test_csp_comes_from_the_setting(make_app):
    policy = "default-src 'none'; frame-ancestors 'none'; report-uri /csp"
    app = make_app(**{"security.csp": policy})
    assert app.get("/api/v1/health/live").headers["Content-Security-Policy"] == policy


def test_authenticated_answers_are_never_stored(testapp, auth_headers):
    headers = auth_headers()
    assert testapp.get("/api/v1/auth/me", headers=headers).headers["Cache-Control"] == "no-store"
    # An error answer to a request with credentials is covered too.
    missing = testapp.delete("/api/v1/history/999", headers=headers, status=404)
    assert missing.headers["Cache-Control"] == "no-store"
    rejected = testapp.get("/api/v1/auth/me", headers=bearer("not-a-token"), status=401)
    assert rejected.headers["Cache-Control"] == "no-store"


def test_sign_in_answers_carrying_tokens_are_not_stored(testapp):
    response = testapp.post_json("/api/v1/auth/dev-login", {"email": "lea@example.com"})
    assert "refresh_token" in response.json
    assert response.headers["Cache-Control"] == "no-store"


def test_crashes_are_hardened_and_readable_by_the_frontend(make_app):
    app = make_app(**{"novel_pyramid.includes": "tests.functional.failing_plugin"})
    response = app.get(
        "/test/write-then-crash",
        headers={"Origin": "http://localhost:3000", "Authorization": "Bearer x"},
        status=500,
    )
    assert_hardened(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
