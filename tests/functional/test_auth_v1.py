"""Sign-in through Google (ID token and authorization code), refresh rotation, me, logout."""

import datetime
import time

import jwt
import pytest
from sqlalchemy import func, select

from novel_pyramid.accounts.models import User
from novel_pyramid.auth.models import AuthSession
from novel_pyramid.auth.tokens import AUDIENCE, ISSUER, key_id
from tests.fakes.google_server import FakeGoogle
from tests.functional.conftest import bearer


def count(dbsession, model):
    dbsession.expire_all()
    return dbsession.scalar(select(func.count()).select_from(model))


def test_google_id_token_login_creates_user_and_tokens(testapp, fake_google, dbsession):
    body = testapp.post_json("/api/v1/auth/google", {"token": fake_google.id_token()}).json
    assert body["message"] == "Login successful"
    assert body["access_token"] and body["refresh_token"]
    assert body["has_sheets_access"] is False
    user = body["user"]
    assert set(user) == {"id", "email", "name", "picture", "created_at", "last_login"}
    assert user["email"] == "lea@example.com"
    assert user["name"] == "Léa Dupont"
    assert user["created_at"].endswith("Z")
    me = testapp.get("/api/v1/auth/me", headers=bearer(body["access_token"])).json
    assert me == user
    assert count(dbsession, User) == 1


def test_second_login_reuses_the_account(testapp, fake_google, dbsession):
    first = testapp.post_json("/api/v1/auth/google", {"token": fake_google.id_token()}).json
    second = testapp.post_json("/api/v1/auth/google", {"token": fake_google.id_token()}).json
    assert first["user"]["id"] == second["user"]["id"]
    assert count(dbsession, User) == 1
    assert count(dbsession, AuthSession) == 2


def test_legacy_account_is_matched_by_email(testapp, fake_google, make_user):
    legacy = make_user(email="lea@example.com")
    body = testapp.post_json("/api/v1/auth/google", {"token": fake_google.id_token()}).json
    assert body["user"]["id"] == legacy.id


def test_authorization_code_login_stores_google_tokens(testapp, fake_google, dbsession):
    code = fake_google.authorization_code(sub="2002", email="zoe@example.com")
    body = testapp.post_json("/api/v1/auth/google", {"code": code}).json
    assert body["has_sheets_access"] is True
    sent = fake_google.token_requests[-1]
    assert sent["grant_type"] == "authorization_code"
    assert sent["client_secret"] == "test-secret"
    user = dbsession.get(User, body["user"]["id"])
    assert user.google_access_token == f"google-access-for-{code}"
    assert user.google_refresh_token == "google-refresh-1"
    assert user.google_token_expiry is not None

    # Google omits the refresh token on later consents: the stored one is kept.
    code = fake_google.authorization_code("auth-code-2", refresh_token=None, sub="2002", email="zoe@example.com")
    testapp.post_json("/api/v1/auth/google", {"code": code})
    dbsession.expire_all()
    assert dbsession.get(User, user.id).google_refresh_token == "google-refresh-1"


@pytest.mark.parametrize(
    "payload",
    [{}, {"token": ""}, {"code": ""}, {"token": 123}, {"token": None}, {"token": "x", "extra": 1}],
)
def test_login_needs_a_token_or_code(testapp, payload, dbsession):
    response = testapp.post_json("/api/v1/auth/google", payload, status=400)
    assert response.json["error"]
    assert count(dbsession, User) == 0


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "someone-else"},
        {"iss": "https://evil.example.com"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
        {"email": None},
    ],
    ids=["wrong-audience", "wrong-issuer", "expired", "no-email"],
)
def test_invalid_google_tokens_are_refused(testapp, fake_google, claims, dbsession):
    response = testapp.post_json("/api/v1/auth/google", {"token": fake_google.id_token(**claims)}, status=401)
    assert "error" in response.json
    assert count(dbsession, User) == 0


def test_token_signed_by_another_key_is_refused(testapp, dbsession):
    impostor = FakeGoogle()  # same client id, different signing key, never served
    testapp.post_json("/api/v1/auth/google", {"token": impostor.id_token()}, status=401)
    testapp.post_json("/api/v1/auth/google", {"token": "not-a-jwt"}, status=401)
    assert count(dbsession, User) == 0


def test_bad_or_failing_code_exchange(testapp, fake_google):
    assert testapp.post_json("/api/v1/auth/google", {"code": "unknown"}, status=401).json["error"]
    fake_google.token_status = 500
    try:
        response = testapp.post_json("/api/v1/auth/google", {"code": "whatever"}, status=502)
    finally:
        fake_google.token_status = None
    assert response.json["code"] == "upstream_error"


def test_inactive_user_cannot_sign_in(testapp, fake_google, make_user):
    make_user(email="lea@example.com", is_active=False)
    testapp.post_json("/api/v1/auth/google", {"token": fake_google.id_token()}, status=403)


def test_refresh_rotates_and_the_used_token_stops_working(testapp, login):
    tokens = login()
    new = testapp.post_json("/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]}).json
    assert set(new) == {"access_token", "refresh_token"}
    assert new["refresh_token"] != tokens["refresh_token"]
    testapp.get("/api/v1/auth/me", headers=bearer(new["access_token"]))
    # The refresh token may also come as the Bearer token.
    newer = testapp.post("/api/v1/auth/refresh", headers=bearer(new["refresh_token"])).json
    assert newer["refresh_token"] != new["refresh_token"]


def test_without_a_reuse_interval_reusing_a_rotated_refresh_token_revokes_the_session(make_app, dbsession):
    testapp = make_app(**{"jwt.refresh_reuse_interval_seconds": "0"})
    tokens = testapp.post_json("/api/v1/auth/dev-login", {"email": "lea@example.com"}).json
    rotated = testapp.post_json("/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]}).json
    testapp.post_json("/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]}, status=401)
    # The thief's replay closed the session: the legitimate new tokens die too.
    testapp.post_json("/api/v1/auth/refresh", {"refresh_token": rotated["refresh_token"]}, status=401)
    testapp.get("/api/v1/auth/me", headers=bearer(rotated["access_token"]), status=401)
    dbsession.expire_all()
    assert dbsession.scalar(select(AuthSession.revoked_reason)) == "token_reuse"


@pytest.mark.parametrize(
    "payload", [{}, {"refresh_token": "garbage"}, {"refresh_token": "nope.nope"}, {"refresh_token": 5}]
)
def test_refresh_with_bad_tokens(testapp, payload):
    response = testapp.post_json("/api/v1/auth/refresh", payload, expect_errors=True)
    assert response.status_int in (400, 401)
    assert response.json["error"]


def test_access_token_is_not_a_refresh_token(testapp, login):
    tokens = login()
    testapp.post_json("/api/v1/auth/refresh", {"refresh_token": tokens["access_token"]}, status=401)
    testapp.get("/api/v1/auth/me", headers=bearer(tokens["refresh_token"]), status=401)


def test_logout_revokes_the_session(testapp, login):
    tokens = login()
    body = testapp.post("/api/v1/auth/logout", headers=bearer(tokens["access_token"])).json
    assert body == {"message": "Logged out successfully"}
    testapp.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]), status=401)
    testapp.post_json("/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]}, status=401)


def test_disabled_user_is_refused_with_a_valid_token(testapp, login, dbsession):
    tokens = login()
    dbsession.query(User).update({"is_active": False})
    dbsession.commit()
    testapp.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]), status=401)
    testapp.post_json("/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]}, status=401)


def _forge(claims, key="test-jwt-key-0123456789abcdefghijklmnop", algorithm="HS256", kid=None):
    headers = {"kid": kid or key_id("test-jwt-key-0123456789abcdefghijklmnop")}
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


def _claims(tokens, **changes):
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def test_forged_access_tokens_are_refused(testapp, login):
    tokens = login()
    now = datetime.datetime.now(datetime.UTC)
    unsigned = jwt.encode(_claims(tokens), None, algorithm="none")
    forged = [
        _forge(_claims(tokens), key="wrong-key-0123456789abcdefghijklmnopq"),
        _forge(_claims(tokens), key="wrong-key-0123456789abcdefghijklmnopq", kid="unknown-kid"),
        unsigned,
        _forge(_claims(tokens, exp=int((now - datetime.timedelta(minutes=1)).timestamp()))),
        _forge(_claims(tokens, aud="another-api")),
        _forge(_claims(tokens, iss="someone")),
        _forge(_claims(tokens, typ="refresh")),
        _forge(_claims(tokens, sub="99999")),
        _forge(_claims(tokens, sub="1 OR 1=1")),
        _forge(_claims(tokens, sid=None)),
        "Bearer",
        "a.b.c",
    ]
    for token in forged:
        response = testapp.get("/api/v1/auth/me", headers=bearer(token), status=401)
        assert response.json["error"], token
    assert _claims(tokens)["aud"] == AUDIENCE and _claims(tokens)["iss"] == ISSUER


def test_missing_or_malformed_authorization(testapp):
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}):
        response = testapp.get("/api/v1/auth/me", headers=headers, status=401)
        assert response.json["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_access_token_message(testapp, login):
    tokens = login()
    expired = _forge(_claims(tokens, exp=int(time.time()) - 5, iat=int(time.time()) - 100))
    response = testapp.get("/api/v1/auth/me", headers=bearer(expired), status=401)
    assert response.json["error"] == "Access token has expired"


def test_dev_login_absent_unless_enabled(make_app):
    app = make_app(**{"auth.dev_login": "false"})
    app.post_json("/api/v1/auth/dev-login", {"email": "a@example.com"}, status=404)


@pytest.mark.parametrize("payload", [{}, {"email": "not-an-email"}, {"email": 5}, {"email": "a@b.co", "admin": True}])
def test_dev_login_validation(testapp, payload):
    testapp.post_json("/api/v1/auth/dev-login", payload, status=400)
