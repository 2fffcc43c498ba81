"""The memory cache in front of the settings and history: fast, and never stale after a write.

Whether the session may act is never cached: every signed-in request reads it
from the database (auth/standing.py; on PostgreSQL on connections of its own,
which these statement counts do not see), so a revocation needs no invalidation.
"""

import threading

import pytest
from sqlalchemy import select, update

from novel_pyramid.accounts.models import User
from novel_pyramid.accounts.services import settings_key
from novel_pyramid.cache import IAppCache
from tests.functional.conftest import bearer
from tests.functional.test_query_counts import statements_run_on


@pytest.fixture
def cached_app(make_app):
    return make_app(**{"cache.backend": "memory"})


def sign_in(app, email="lea@example.com"):
    return app.post_json("/api/v1/auth/dev-login", {"email": email}).json


def registry_of(app):
    return app.app.registry


# The security policy's statement, run on every signed-in request (auth/standing.py).
SESSION_CHECK = "FROM auth_sessions JOIN users"


def besides_the_session_check(statements):
    return [statement for statement in statements if SESSION_CHECK not in statement]


def test_a_warm_settings_read_runs_no_sql_but_the_session_check(cached_app, engine):
    headers = bearer(sign_in(cached_app)["access_token"])
    cached_app.get("/api/v1/settings", headers=headers)
    with statements_run_on(engine) as statements:
        assert cached_app.get("/api/v1/settings", headers=headers).json["sentence_length_limit"] == 8
    assert besides_the_session_check(statements) == []


def test_a_settings_change_is_visible_on_the_very_next_request(cached_app):
    headers = bearer(sign_in(cached_app)["access_token"])
    assert cached_app.get("/api/v1/settings", headers=headers).json["sentence_length_limit"] == 8
    cached_app.put_json("/api/v1/settings", {"sentence_length_limit": 21}, headers=headers)
    assert cached_app.get("/api/v1/settings", headers=headers).json["sentence_length_limit"] == 21
    cached_app.post_json("/api/v1/settings", {"sentence_length_limit": 5}, headers=headers)
    assert cached_app.get("/api/v1/settings", headers=headers).json["sentence_length_limit"] == 5


def test_a_rejected_settings_change_leaves_the_cached_value_right(cached_app):
    headers = bearer(sign_in(cached_app)["access_token"])
    cached_app.get("/api/v1/settings", headers=headers)
    cached_app.put_json("/api/v1/settings", {"sentence_length_limit": 99}, headers=headers, status=400)
    assert cached_app.get("/api/v1/settings", headers=headers).json["sentence_length_limit"] == 8


def test_logout_is_honoured_at_once(cached_app):
    headers = bearer(sign_in(cached_app)["access_token"])
    cached_app.get("/api/v1/auth/me", headers=headers)
    cached_app.post("/api/v1/auth/logout", headers=headers)
    assert cached_app.get("/api/v1/settings", headers=headers, status=401).json["error"]


def test_revoking_one_session_from_another_is_honoured_at_once(cached_app):
    first = bearer(sign_in(cached_app)["access_token"])
    second_login = sign_in(cached_app)
    second = bearer(second_login["access_token"])
    cached_app.get("/api/v1/settings", headers=second)
    sessions = cached_app.get("/api/v2/auth/sessions", headers=first).json
    listed = sessions["sessions"] if isinstance(sessions, dict) else sessions
    other = next(s["id"] for s in listed if not s.get("current"))
    cached_app.delete(f"/api/v2/auth/sessions/{other}", headers=first)
    cached_app.get("/api/v1/settings", headers=second, status=401)
    cached_app.get("/api/v1/settings", headers=first, status=200)


def test_signing_out_everywhere_is_honoured_at_once(cached_app):
    headers = bearer(sign_in(cached_app)["access_token"])
    cached_app.get("/api/v1/settings", headers=headers)
    cached_app.post("/api/v2/auth/logout-all", headers=headers)
    cached_app.get("/api/v1/settings", headers=headers, status=401)


def test_deactivation_is_honoured_at_once(cached_app):
    login = sign_in(cached_app)
    headers = bearer(login["access_token"])
    cached_app.get("/api/v1/settings", headers=headers)
    # Any ORM write through the application's sessions invalidates (an admin command, say).
    with registry_of(cached_app)["db.session_factory"]() as session:
        session.scalar(select(User).where(User.id == login["user"]["id"])).is_active = False
        session.commit()
    body = cached_app.get("/api/v1/settings", headers=headers, status=401).json
    assert body["error"] == "This account is disabled"


def test_deactivation_in_sql_is_honoured_at_once(cached_app, engine):
    # An operator's UPDATE, which no ORM event sees: nothing cached can answer for it.
    login = sign_in(cached_app)
    headers = bearer(login["access_token"])
    cached_app.get("/api/v1/settings", headers=headers)
    with engine.begin() as connection:
        connection.execute(update(User).where(User.id == login["user"]["id"]).values(is_active=False))
    body = cached_app.get("/api/v1/settings", headers=headers, status=401).json
    assert body["error"] == "This account is disabled"


def test_a_new_session_is_accepted_beside_an_older_one(cached_app):
    first = bearer(sign_in(cached_app)["access_token"])
    cached_app.get("/api/v1/settings", headers=first)
    second = bearer(sign_in(cached_app)["access_token"])
    cached_app.get("/api/v1/settings", headers=second, status=200)
    cached_app.get("/api/v1/settings", headers=first, status=200)


def test_cached_values_are_plain_data(cached_app):
    login = sign_in(cached_app)
    cached_app.get("/api/v1/settings", headers=bearer(login["access_token"]))
    cache = registry_of(cached_app).getUtility(IAppCache)
    user_id = login["user"]["id"]
    assert cache.get_or_create(settings_key(user_id), lambda: None) == {"sentence_length_limit": 8, "updated_at": None}


def fifty_simultaneous_gets(apps, path, headers):
    start = threading.Barrier(50)
    statuses = []

    def one(app):
        start.wait()
        statuses.append(app.get(path, headers=headers, expect_errors=True).status_int)

    threads = [threading.Thread(target=one, args=(apps[i % len(apps)],)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def settings_reads_among(statements):
    return len([statement for statement in statements if "FROM user_settings" in statement])


def test_fifty_simultaneous_misses_read_the_settings_once(cached_app, engine):
    login = sign_in(cached_app)
    cache = registry_of(cached_app).getUtility(IAppCache)
    cache.invalidate(settings_key(login["user"]["id"]))
    with statements_run_on(engine) as statements:
        statuses = fifty_simultaneous_gets([cached_app], "/api/v1/settings", bearer(login["access_token"]))
    assert statuses == [200] * 50
    assert settings_reads_among(statements) == 1


def add_history_entry(app, user_id, name):
    # Through the application's session factory, as a job finishing in a worker would.
    from novel_pyramid.db.types import utcnow
    from novel_pyramid.history.models import HistoryEntry

    with registry_of(app)["db.session_factory"]() as session:
        session.add(HistoryEntry(user_id=user_id, timestamp=utcnow(), original_filename=name))
        session.commit()


def test_a_warm_history_read_runs_no_sql_but_the_session_check(cached_app, engine):
    login = sign_in(cached_app)
    headers = bearer(login["access_token"])
    add_history_entry(cached_app, login["user"]["id"], "roman.pdf")
    cached_app.get("/api/v1/history", headers=headers)
    with statements_run_on(engine) as statements:
        body = cached_app.get("/api/v1/history", headers=headers).json
    assert [entry["original_filename"] for entry in body] == ["roman.pdf"]
    assert besides_the_session_check(statements) == []


def test_history_writes_are_visible_on_the_very_next_request(cached_app):
    login = sign_in(cached_app)
    headers = bearer(login["access_token"])
    add_history_entry(cached_app, login["user"]["id"], "premier.pdf")
    assert len(cached_app.get("/api/v1/history", headers=headers).json) == 1
    add_history_entry(cached_app, login["user"]["id"], "second.pdf")
    entries = cached_app.get("/api/v1/history", headers=headers).json
    assert [entry["original_filename"] for entry in entries] == ["second.pdf", "premier.pdf"]
    cached_app.delete(f"/api/v1/history/{entries[0]['id']}", headers=headers)
    entries = cached_app.get("/api/v1/history?limit=1", headers=headers).json
    assert [entry["original_filename"] for entry in entries] == ["premier.pdf"]


def test_history_pages_longer_than_the_cached_list_come_from_the_database(cached_app, dbsession):
    from tests.functional.test_query_counts import make_history

    login = sign_in(cached_app)
    headers = bearer(login["access_token"])
    make_history(dbsession, login["user"]["id"], 120)
    dbsession.commit()
    assert len(cached_app.get("/api/v1/history?limit=100", headers=headers).json) == 100
    assert len(cached_app.get("/api/v1/history?limit=1000", headers=headers).json) == 120
    assert len(cached_app.get("/api/v1/history?limit=3", headers=headers).json) == 3
