"""Concurrent refreshes with one token, on real threads, each with its own connection.

First through the whole HTTP stack (the app behind waitress, ten clients
released at once), then the one interleaving that matters, made certain: a
refresh that read the session before the winner committed, and whose update
therefore has to wait for the winner's lock.
"""

import datetime
import threading
import time

import pytest
import requests
from sqlalchemy import select, text
from webtest.http import StopableWSGIServer

from novel_pyramid.auth.models import AuthSession
from novel_pyramid.auth.sessions import SessionService
from novel_pyramid.auth.tokens import AccessTokens, RefreshSuccessors, hash_token
from novel_pyramid.db import make_engine, make_session_factory
from tests.functional.conftest import bearer

CLIENTS = 10
SECRET = "test-jwt-key-0123456789abcdefghijklmnop"


@pytest.fixture
def served(make_app, database_url):
    """The app behind a real WSGI server with a thread per client, on an engine with a connection per thread."""
    engine = make_engine({"database_url": database_url, "database.pool_size": CLIENTS + 2})
    server = StopableWSGIServer.create(make_app(**{"db.engine": engine}).app, threads=CLIENTS)
    assert server.wait(), "the test server did not start"
    yield server.application_url.rstrip("/")
    server.shutdown()
    engine.dispose()


def refresh_all_at_once(url, token):
    """POST /auth/refresh from CLIENTS threads released together, each on its own HTTP connection."""
    start = threading.Barrier(CLIENTS)
    answers = [None] * CLIENTS

    def client(index):
        start.wait()
        answers[index] = requests.post(f"{url}/api/v1/auth/refresh", json={"refresh_token": token}, timeout=60)

    threads = [threading.Thread(target=client, args=(index,)) for index in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return answers


def test_simultaneous_refreshes_all_get_the_same_pair_and_keep_the_session(served, dbsession):
    login = requests.post(f"{served}/api/v1/auth/dev-login", json={"email": "lea@example.com"}, timeout=30).json()

    answers = refresh_all_at_once(served, login["refresh_token"])

    assert [answer.status_code for answer in answers] == [200] * CLIENTS, [answer.text for answer in answers]
    new_tokens = {answer.json()["refresh_token"] for answer in answers}
    assert len(new_tokens) == 1 and login["refresh_token"] not in new_tokens
    [session] = dbsession.scalars(select(AuthSession)).all()
    assert session.revoked_at is None
    # The one live refresh token is the one every client was given.
    assert session.token_hash == hash_token(new_tokens.pop())
    for answer in answers:
        me = requests.get(f"{served}/api/v1/auth/me", headers=bearer(answer.json()["access_token"]), timeout=30)
        assert me.status_code == 200


def test_a_second_round_after_the_first_still_keeps_the_session(served, dbsession):
    login = requests.post(f"{served}/api/v1/auth/dev-login", json={"email": "lea@example.com"}, timeout=30).json()
    [first] = {answer.json()["refresh_token"] for answer in refresh_all_at_once(served, login["refresh_token"])}
    second_round = refresh_all_at_once(served, first)
    assert [answer.status_code for answer in second_round] == [200] * CLIENTS
    [second] = {answer.json()["refresh_token"] for answer in second_round}
    dbsession.expire_all()
    [session] = dbsession.scalars(select(AuthSession)).all()
    assert session.revoked_at is None and session.token_hash == hash_token(second)


# -- the loser's path, made certain ----------------------------------------------------------


def session_service(dbsession, session_factory):
    return SessionService(
        dbsession,
        AccessTokens(SECRET),
        RefreshSuccessors(SECRET),
        datetime.timedelta(days=30),
        datetime.timedelta(seconds=30),
        session_factory,
    )


def wait_until_blocked(engine, loser, timeout=10.0):
    """Return once the loser's refresh waits for the winner's lock (PostgreSQL: asked of pg_stat_activity)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert loser.is_alive(), "the loser finished before the winner committed"
        if engine.dialect.name != "postgresql":
            time.sleep(0.5)  # SQLite shows no waiters: give the loser time to reach its update.
            assert loser.is_alive(), "the loser finished before the winner committed"
            return
        with engine.connect() as connection:
            waiting = connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE auth_sessions%'"
                )
            )
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError("the loser never waited for the winner's lock")


def test_a_refresh_that_read_the_old_token_waits_for_the_winner_and_answers_its_pair(engine, dbsession, make_user):
    factory = make_session_factory(engine)
    user = make_user()
    with factory() as setup:
        login = session_service(setup, factory).start(setup.merge(user))
        setup.commit()

    winner_db, loser_db = factory(), factory()
    try:
        won = session_service(winner_db, factory).refresh(login["refresh_token"])  # updated, not yet committed
        outcome = {}

        def lose():
            try:
                outcome["tokens"] = session_service(loser_db, factory).refresh(login["refresh_token"])
                loser_db.commit()
            except Exception as exc:  # the assertion below shows it
                outcome["error"] = exc

        loser = threading.Thread(target=lose)
        loser.start()
        wait_until_blocked(engine, loser)
        winner_db.commit()
        loser.join(timeout=60)
    finally:
        winner_db.close()
        loser_db.close()

    assert "error" not in outcome, outcome.get("error")
    assert outcome["tokens"]["refresh_token"] == won["refresh_token"]
    dbsession.expire_all()
    [session] = dbsession.scalars(select(AuthSession)).all()
    assert session.revoked_at is None and session.token_hash == hash_token(won["refresh_token"])
