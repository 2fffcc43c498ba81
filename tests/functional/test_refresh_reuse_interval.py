"""The refresh-token reuse interval: a just-rotated token presented again answers the same new pair.

A page that finds its access token expired sends several queries at once, and
each refreshes with the same token. Inside the interval
(``jwt.refresh_reuse_interval_seconds``) the second and later ones get the token
the first was given; after it, or for any older token, reuse still closes the
session.
"""

import time

import jwt
import pytest
from sqlalchemy import select

from novel_pyramid.auth.models import AuthSession
from novel_pyramid.auth.tokens import hash_token
from novel_pyramid.config import ConfigurationError, load_settings
from tests.functional.conftest import bearer

REFRESH = "/api/v1/auth/refresh"


def sign_in(app, email="lea@example.com"):
    return app.post_json("/api/v1/auth/dev-login", {"email": email}).json


def refresh(app, token, status=200):
    return app.post_json(REFRESH, {"refresh_token": token}, status=status).json


def sessions_in(dbsession):
    dbsession.expire_all()
    return dbsession.scalars(select(AuthSession)).all()


def session_of(access_token):
    return jwt.decode(access_token, options={"verify_signature": False})["sid"]


def test_refreshing_twice_with_one_token_gives_the_same_new_pair(testapp, dbsession):
    login = sign_in(testapp)
    first = refresh(testapp, login["refresh_token"])
    second = refresh(testapp, login["refresh_token"])

    assert second["refresh_token"] == first["refresh_token"] != login["refresh_token"]
    assert second["access_token"] != first["access_token"]  # a fresh one, for the same session
    assert session_of(second["access_token"]) == session_of(first["access_token"]) == session_of(login["access_token"])
    for tokens in (first, second):
        assert testapp.get("/api/v1/auth/me", headers=bearer(tokens["access_token"])).json["email"] == "lea@example.com"
    [session] = sessions_in(dbsession)
    assert session.revoked_at is None
    assert session.token_hash == hash_token(first["refresh_token"])

    # The shared new token is the one live token: it rotates as usual.
    newer = refresh(testapp, first["refresh_token"])
    assert newer["refresh_token"] not in (first["refresh_token"], login["refresh_token"])
    assert len(testapp.get("/api/v2/auth/sessions", headers=bearer(newer["access_token"])).json["sessions"]) == 1


def test_the_refresh_token_as_bearer_gets_the_same_pair_too(testapp):
    login = sign_in(testapp)
    first = testapp.post(REFRESH, headers=bearer(login["refresh_token"])).json
    second = testapp.post(REFRESH, headers=bearer(login["refresh_token"])).json
    assert second["refresh_token"] == first["refresh_token"]


def test_after_the_interval_the_rotated_token_is_reuse_and_closes_the_session(make_app, dbsession):
    app = make_app(**{"jwt.refresh_reuse_interval_seconds": "0.2"})
    login = sign_in(app)
    rotated = refresh(app, login["refresh_token"])
    time.sleep(0.5)

    reuse = refresh(app, login["refresh_token"], status=401)
    assert reuse["error"] == "This refresh token was already used; please sign in again"
    [session] = sessions_in(dbsession)
    assert session.revoked_reason == "token_reuse"
    refresh(app, rotated["refresh_token"], status=401)
    app.get("/api/v1/auth/me", headers=bearer(rotated["access_token"]), status=401)


def test_a_token_two_rotations_old_is_reuse_even_within_the_interval(testapp, dbsession):
    login = sign_in(testapp)
    first = refresh(testapp, login["refresh_token"])
    second = refresh(testapp, first["refresh_token"])
    # The token the last rotation replaced is still a sibling request...
    assert refresh(testapp, first["refresh_token"])["refresh_token"] == second["refresh_token"]

    # ...but the one before it is a copy.
    refresh(testapp, login["refresh_token"], status=401)
    [session] = sessions_in(dbsession)
    assert session.revoked_reason == "token_reuse"
    refresh(testapp, second["refresh_token"], status=401)
    refresh(testapp, first["refresh_token"], status=401)


def test_a_signed_out_session_grants_no_interval(testapp, dbsession):
    login = sign_in(testapp)
    rotated = refresh(testapp, login["refresh_token"])
    testapp.post("/api/v1/auth/logout", headers=bearer(rotated["access_token"]))

    response = refresh(testapp, login["refresh_token"], status=401)
    assert response["error"] == "This session has been signed out; please sign in again"
    [session] = sessions_in(dbsession)
    assert session.revoked_reason == "logout"


def test_a_disabled_account_gets_nothing_within_the_interval(testapp, dbsession):
    login = sign_in(testapp)
    refresh(testapp, login["refresh_token"])
    [session] = sessions_in(dbsession)
    session.user.is_active = False
    dbsession.commit()
    assert refresh(testapp, login["refresh_token"], status=401)["error"] == "This account is disabled"


KEY_A = "signing-key-A-" + "a" * 64
KEY_B = "signing-key-B-" + "b" * 64


def test_the_interval_survives_a_signing_key_rotation(app_settings, make_app, dbsession):
    before = make_app(**{"jwt.secret_key": KEY_A})
    login = sign_in(before)
    rotated = refresh(before, login["refresh_token"])

    # The deployment restarts with a new key, the old one retired: the sibling
    # request still gets the token derived with the old key.
    after = make_app(environ={"JWT_SECRET_KEY": KEY_B, "JWT_PREVIOUS_SECRET_KEYS": KEY_A})
    assert refresh(after, login["refresh_token"])["refresh_token"] == rotated["refresh_token"]

    # A process that does not know the old key cannot give that token back. It
    # refuses, but the refusal is no sign of a copy: the session stays open.
    stranger = make_app(**{"jwt.secret_key": KEY_B})
    refresh(stranger, login["refresh_token"], status=401)
    [session] = sessions_in(dbsession)
    assert session.revoked_at is None
    assert refresh(stranger, rotated["refresh_token"])["refresh_token"] != rotated["refresh_token"]


@pytest.mark.parametrize("value", ["-1", "soon"])
def test_the_interval_setting_is_validated(app_settings, value):
    with pytest.raises(ConfigurationError, match="jwt.refresh_reuse_interval_seconds"):
        load_settings(app_settings, {"JWT_REFRESH_REUSE_INTERVAL_SECONDS": value})
