"""v2 sessions: list, revoke one, sign out everywhere; refresh-token reuse; signing-key rotation."""

import datetime

import jwt
import pytest

from novel_pyramid.auth.tokens import ALGORITHM, AUDIENCE, ISSUER, key_id
from tests.functional.conftest import bearer

SESSIONS = "/api/v2/auth/sessions"


def sign_in(app, email="lea@example.com", **headers):
    return app.post_json("/api/v1/auth/dev-login", {"email": email}, headers=headers).json


def test_sessions_list_marks_the_current_one(testapp):
    first = sign_in(testapp, **{"User-Agent": "Firefox/140"})
    second = sign_in(testapp, **{"User-Agent": "Safari/26"})
    sign_in(testapp, email="tom@example.com")

    body = testapp.get(SESSIONS, headers=bearer(second["access_token"])).json
    sessions = body["sessions"]
    assert len(sessions) == 2  # Tom's session is not Léa's business.
    current = [s for s in sessions if s["current"]]
    assert len(current) == 1 and current[0]["user_agent"] == "Safari/26"
    for session in sessions:
        assert set(session) == {
            "id",
            "created_at",
            "last_used_at",
            "expires_at",
            "user_agent",
            "ip_address",
            "current",
        }
        assert session["created_at"].endswith("Z") and session["expires_at"].endswith("Z")
    assert {s["user_agent"] for s in sessions} == {"Firefox/140", "Safari/26"}
    assert first["access_token"] != second["access_token"]


def test_revoking_a_session_stops_its_tokens_at_once(testapp):
    laptop = sign_in(testapp)
    phone = sign_in(testapp)
    sessions = testapp.get(SESSIONS, headers=bearer(laptop["access_token"])).json["sessions"]
    phone_id = next(s["id"] for s in sessions if not s["current"])

    response = testapp.delete(f"{SESSIONS}/{phone_id}", headers=bearer(laptop["access_token"]), status=204)
    assert response.body == b""
    testapp.get("/api/v1/auth/me", headers=bearer(phone["access_token"]), status=401)
    testapp.post_json("/api/v1/auth/refresh", {"refresh_token": phone["refresh_token"]}, status=401)
    testapp.get("/api/v1/auth/me", headers=bearer(laptop["access_token"]), status=200)
    # Revoking it again: it no longer exists for the user.
    testapp.delete(f"{SESSIONS}/{phone_id}", headers=bearer(laptop["access_token"]), status=404)


def test_another_users_session_is_not_found(testapp):
    lea = sign_in(testapp)
    tom = sign_in(testapp, email="tom@example.com")
    tom_session = testapp.get(SESSIONS, headers=bearer(tom["access_token"])).json["sessions"][0]["id"]

    response = testapp.delete(f"{SESSIONS}/{tom_session}", headers=bearer(lea["access_token"]), status=404)
    assert response.json["code"] == "not_found"
    testapp.delete(f"{SESSIONS}/not-a-session", headers=bearer(lea["access_token"]), status=404)
    testapp.get("/api/v1/auth/me", headers=bearer(tom["access_token"]), status=200)


def test_sessions_api_needs_sign_in(testapp):
    testapp.get(SESSIONS, status=401)
    testapp.delete(f"{SESSIONS}/x", status=401)
    testapp.post("/api/v2/auth/logout-all", status=401)


def test_logout_all_signs_out_every_session(testapp):
    sessions = [sign_in(testapp) for _ in range(3)]
    tom = sign_in(testapp, email="tom@example.com")

    body = testapp.post("/api/v2/auth/logout-all", headers=bearer(sessions[0]["access_token"])).json
    assert body["revoked_sessions"] == 3
    for session in sessions:
        testapp.get("/api/v1/auth/me", headers=bearer(session["access_token"]), status=401)
        testapp.post_json("/api/v1/auth/refresh", {"refresh_token": session["refresh_token"]}, status=401)
    testapp.get("/api/v1/auth/me", headers=bearer(tom["access_token"]), status=200)


def test_refresh_token_reuse_revokes_the_whole_session(testapp):
    login = sign_in(testapp)
    rotated = testapp.post_json("/api/v1/auth/refresh", {"refresh_token": login["refresh_token"]}).json
    newest = testapp.post_json("/api/v1/auth/refresh", {"refresh_token": rotated["refresh_token"]}).json
    testapp.get("/api/v1/auth/me", headers=bearer(newest["access_token"]), status=200)

    # The first token comes back (a copy stolen earlier): two rotations old, so
    # even within the reuse interval it is refused, and the session closed.
    reuse = testapp.post_json("/api/v1/auth/refresh", {"refresh_token": login["refresh_token"]}, status=401)
    assert "already used" in reuse.json["error"]
    testapp.post_json("/api/v1/auth/refresh", {"refresh_token": newest["refresh_token"]}, status=401)
    testapp.get("/api/v1/auth/me", headers=bearer(newest["access_token"]), status=401)
    testapp.get("/api/v1/auth/me", headers=bearer(login["access_token"]), status=401)


def test_session_records_the_client_behind_trusted_proxies(make_app):
    proxied = {"REMOTE_ADDR": "10.0.0.5"}
    forwarded = {"X-Forwarded-For": "6.6.6.6, 203.0.113.7"}

    direct_app = make_app()
    token = direct_app.post_json(
        "/api/v1/auth/dev-login", {"email": "lea@example.com"}, headers=forwarded, extra_environ=proxied
    ).json["access_token"]
    sessions = direct_app.get(SESSIONS, headers=bearer(token)).json["sessions"]
    assert sessions[0]["ip_address"] == "10.0.0.5"  # No trusted proxy: the header is ignored.

    behind_one_proxy = make_app(**{"security.trusted_proxies": "1"})
    token = behind_one_proxy.post_json(
        "/api/v1/auth/dev-login", {"email": "tom@example.com"}, headers=forwarded, extra_environ=proxied
    ).json["access_token"]
    sessions = behind_one_proxy.get(SESSIONS, headers=bearer(token)).json["sessions"]
    assert sessions[0]["ip_address"] == "203.0.113.7"  # Not the forged 6.6.6.6.


KEY_A = "signing-key-A-" + "a" * 64
KEY_B = "signing-key-B-" + "b" * 64


def test_tokens_survive_a_key_rotation(make_app, app_settings):
    before = make_app(**{"jwt.secret_key": KEY_A})
    token = sign_in(before)["access_token"]
    assert jwt.get_unverified_header(token)["kid"] == key_id(KEY_A)

    # The restart of the deployment: new key in JWT_SECRET_KEY, the old one retired.
    after = make_app(environ={"JWT_SECRET_KEY": KEY_B, "JWT_PREVIOUS_SECRET_KEYS": KEY_A})
    assert after.get("/api/v1/auth/me", headers=bearer(token)).json["email"] == "lea@example.com"
    new_token = sign_in(after)["access_token"]
    assert jwt.get_unverified_header(new_token)["kid"] == key_id(KEY_B)

    # Once key A is dropped from the previous keys, its tokens stop working.
    retired = make_app(**{"jwt.secret_key": KEY_B})
    retired.get("/api/v1/auth/me", headers=bearer(token), status=401)
    retired.get("/api/v1/auth/me", headers=bearer(new_token), status=200)


def _forged(claims, key, algorithm, kid):
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})


@pytest.mark.parametrize("forgery", ["unknown_key", "alg_none", "hs512", "no_kid"])
def test_forged_tokens_are_refused(make_app, forgery):
    app = make_app(**{"jwt.secret_key": KEY_A})
    genuine = sign_in(app)["access_token"]
    claims = jwt.decode(genuine, KEY_A, algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER)
    claims["exp"] = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    token = {
        "unknown_key": lambda: _forged(claims, KEY_B, "HS256", key_id(KEY_B)),
        "alg_none": lambda: _forged(claims, None, "none", key_id(KEY_A)),
        "hs512": lambda: _forged(claims, KEY_A, "HS512", key_id(KEY_A)),
        "no_kid": lambda: jwt.encode(claims, KEY_A, algorithm="HS256"),
    }[forgery]()
    response = app.get("/api/v1/auth/me", headers=bearer(token), status=401)
    assert response.json["code"] == "unauthorized"
    app.get("/api/v1/auth/me", headers=bearer(genuine), status=200)
