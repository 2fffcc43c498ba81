"""A revoked session or a disabled account is refused on the very next request, even when Redis was hung meanwhile.

Two application instances, as two web processes would be, share a private
redis-server as their cache. ``web`` takes the sign-out; ``other`` has served
the same token from a warm cache before. Redis is paused with SIGSTOP (a hung
server: connections open, no answers) and resumed with SIGCONT, with its data
intact, so any cache entry that should have been forgotten meanwhile is still
there when it answers again.
"""

import time
import uuid

import pytest
from sqlalchemy import text

from tests.fakes.servers import redis_fixture
from tests.functional.conftest import bearer

pytestmark = [pytest.mark.redis, pytest.mark.slow]

pausable_redis = redis_fixture("pausable_redis")

SETTINGS = "/api/v1/settings"
SESSIONS = "/api/v2/auth/sessions"
# After a failure the cache may be skipped for a while (fail open); the test waits
# until the application reads Redis again before it calls the check done.
CACHE_BACK_WITHIN_SECONDS = 30


@pytest.fixture
def apps(make_app, pausable_redis):
    settings = {
        "cache.backend": "redis",
        "cache.redis_url": pausable_redis.url,
        "cache.key_prefix": f"test:{uuid.uuid4().hex}:",
    }
    return make_app(**settings), make_app(**settings)


def sign_in(app, email="lea@example.com"):
    return app.post_json("/api/v1/auth/dev-login", {"email": email}).json


def warm(*requests):
    """Serve each (app, headers) twice, so the cache holds whatever the app caches for it."""
    for app, headers in requests:
        for _ in range(2):
            app.get(SETTINGS, headers=headers, status=200)


def disable_in_the_database(engine, user_id):
    # No API disables an account: an operator runs SQL, which no ORM event sees.
    with engine.begin() as connection:
        connection.execute(text("UPDATE users SET is_active = :no WHERE id = :id"), {"no": False, "id": user_id})


def assert_refused_until_the_cache_is_back(app, headers, redis_server, expected_error):
    """The token is refused on the next request and on every one until the app reads Redis again, and then.

    A refused request reaches no view, so it reads nothing cached; another
    user's request shows when the application reads Redis again.
    """
    witness = bearer(sign_in(app, "witness@example.com")["access_token"])
    redis_server.reset_command_calls()
    deadline = time.monotonic() + CACHE_BACK_WITHIN_SECONDS
    while True:
        body = app.get(SETTINGS, headers=headers, status=401).json
        assert body["error"] == expected_error
        if {"get", "mget"} & set(redis_server.command_calls()):
            return  # refused with the cache read again: its old entries decided nothing
        assert time.monotonic() < deadline, "the application never read the cache again after Redis came back"
        app.get(SETTINGS, headers=witness, status=200)
        time.sleep(0.2)


def revoke_by_logout(web, victim, _):
    web.post("/api/v1/auth/logout", headers=victim, status=200)


def revoke_by_logout_all(web, victim, _):
    web.post("/api/v2/auth/logout-all", headers=victim, status=200)


def revoke_from_another_session(web, victim, revoker):
    sessions = web.get(SESSIONS, headers=revoker).json["sessions"]
    victim_session = next(session["id"] for session in sessions if not session["current"])
    web.delete(f"{SESSIONS}/{victim_session}", headers=revoker, status=204)


REVOCATIONS = [revoke_by_logout, revoke_by_logout_all, revoke_from_another_session]
SIGNED_OUT = "This session has been signed out; please sign in again"
DISABLED = "This account is disabled"


@pytest.mark.parametrize("revoke", REVOCATIONS, ids=lambda revoke: revoke.__name__)
def test_a_session_revoked_while_redis_hangs_stays_refused_after_it_answers_again(apps, pausable_redis, revoke):
    web, other = apps
    victim = bearer(sign_in(web)["access_token"])
    revoker = bearer(sign_in(web)["access_token"])
    warm((web, victim), (other, victim), (web, revoker))

    with pausable_redis.paused():
        revoke(web, victim, revoker)
        # During the outage: read from the database, refused.
        assert other.get(SETTINGS, headers=victim, status=401).json["error"] == SIGNED_OUT

    assert_refused_until_the_cache_is_back(other, victim, pausable_redis, SIGNED_OUT)
    assert_refused_until_the_cache_is_back(web, victim, pausable_redis, SIGNED_OUT)


def test_an_account_disabled_while_redis_answers_is_refused_on_the_next_request(apps, pausable_redis, engine):
    web, other = apps
    login = sign_in(web)
    headers = bearer(login["access_token"])
    warm((web, headers), (other, headers))

    disable_in_the_database(engine, login["user"]["id"])

    for app in (web, other):
        assert app.get(SETTINGS, headers=headers, status=401).json["error"] == DISABLED


def test_an_account_disabled_while_redis_hangs_stays_refused_after_it_answers_again(apps, pausable_redis, engine):
    web, other = apps
    login = sign_in(web)
    headers = bearer(login["access_token"])
    warm((web, headers), (other, headers))

    with pausable_redis.paused():
        disable_in_the_database(engine, login["user"]["id"])
        assert web.get(SETTINGS, headers=headers, status=401).json["error"] == DISABLED

    assert_refused_until_the_cache_is_back(other, headers, pausable_redis, DISABLED)
    assert_refused_until_the_cache_is_back(web, headers, pausable_redis, DISABLED)


def test_the_user_s_other_sessions_keep_working_through_the_outage(apps, pausable_redis):
    web, other = apps
    victim = bearer(sign_in(web)["access_token"])
    survivor = bearer(sign_in(web)["access_token"])
    warm((other, victim), (other, survivor))

    with pausable_redis.paused():
        web.post("/api/v1/auth/logout", headers=victim, status=200)
        assert other.get(SETTINGS, headers=survivor, status=200).json["sentence_length_limit"] == 8

    assert_refused_until_the_cache_is_back(other, victim, pausable_redis, SIGNED_OUT)
    assert other.get(SETTINGS, headers=survivor, status=200).json["sentence_length_limit"] == 8
