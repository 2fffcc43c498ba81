"""Credits under concurrency, on PostgreSQL, with real threads each on its own connection.

Twenty reservations at once never take a balance below zero, and twenty first
requests of a month write one grant, through the service and through HTTP.
The tests run on the suite's database when it is PostgreSQL; otherwise on a
throwaway database of the local server (NOVEL_TEST_POSTGRES_URL), so that the
SQLite run checks them too. Without a server they are skipped, in CI they fail.
"""

import os
import threading
import uuid

import pytest
import requests
from sqlalchemy import create_engine, func, pool, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from webtest.http import StopableWSGIServer

from novel_pyramid.accounts.models import User
from novel_pyramid.config import load_settings
from novel_pyramid.credits.errors import InsufficientCredits
from novel_pyramid.credits.models import CreditBalance, CreditEntry
from novel_pyramid.credits.pricing import HeuristicTokenCounter, PriceTable
from novel_pyramid.credits.services import CreditService
from novel_pyramid.db import make_engine, make_session_factory
from novel_pyramid.db.types import utcnow
from novel_pyramid.db.urls import with_installed_driver
from novel_pyramid.errors import Conflict
from novel_pyramid.estimates.models import IssuedEstimate
from novel_pyramid.jobs.models import Job
from novel_pyramid.models import ModelBase
from tests.fakes.servers import unavailable
from tests.functional.conftest import bearer

pytestmark = pytest.mark.postgresql

THREADS = 20
GRANT = 100
POSTGRES_SERVER_URL = os.environ.get("NOVEL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _throwaway_database():
    """``(url, drop)`` of a new empty PostgreSQL database on the local server."""
    admin = create_engine(
        with_installed_driver(POSTGRES_SERVER_URL),
        poolclass=pool.NullPool,
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )
    name = f"novel_credits_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        unavailable(
            f"PostgreSQL at {POSTGRES_SERVER_URL} is unreachable: {error.orig}",
            ci_note="CI provides PostgreSQL; the credits concurrency tests need it",
        )

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(POSTGRES_SERVER_URL).set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture
def postgresql_url(database_url, dbsession):
    """A PostgreSQL database with the schema; its rows are gone after the test (``dbsession`` empties the suite's)."""
    if make_url(database_url).get_backend_name() == "postgresql":
        yield database_url
        return
    url, drop = _throwaway_database()
    schema_engine = make_engine({"database_url": url, "database.pool_size": 1})
    ModelBase.metadata.create_all(schema_engine)
    schema_engine.dispose()
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def threaded_engine(postgresql_url):
    """An engine with a connection for each thread, so that none waits for the pool instead of the row."""
    engine = make_engine({"database_url": postgresql_url, "database.pool_size": THREADS + 2})
    yield engine
    engine.dispose()


def credit_service(session, monthly_grant=GRANT):
    settings = load_settings({}, environ={})
    return CreditService(
        session, PriceTable.from_settings(settings), HeuristicTokenCounter.from_settings(settings), monthly_grant
    )


def add_user(engine, email="lea@example.com"):
    with make_session_factory(engine)() as session:
        user = User(email=email, name="Léa", is_active=True, created_at=utcnow())
        session.add(user)
        session.commit()
        return user.id


def all_at_once(work):
    """Run ``work(index)`` on THREADS threads released together; return each one's result or exception."""
    start = threading.Barrier(THREADS)
    outcomes = [None] * THREADS

    def run(index):
        start.wait()
        try:
            outcomes[index] = work(index)
        except Exception as error:  # the caller's assertions show it
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread never finished"
    return outcomes


def in_own_transaction(engine, action):
    """Run ``action(service)`` in a transaction of its own, committed unless it raises."""
    with make_session_factory(engine)() as session:
        try:
            result = action(credit_service(session))
            session.commit()
            return result
        except Exception:
            session.rollback()
            raise


def ledger_of(engine, user_id):
    with make_session_factory(engine)() as session:
        entries = session.execute(
            select(CreditEntry.reason, func.count(), func.sum(CreditEntry.delta_credits))
            .where(CreditEntry.user_id == user_id)
            .group_by(CreditEntry.reason)
        ).all()
        balances = session.scalars(select(CreditBalance.balance).where(CreditBalance.user_id == user_id)).all()
    return {reason: (count, int(total)) for reason, count, total in entries}, balances


def test_twenty_simultaneous_reservations_never_overdraw_nor_double_the_grant(threaded_engine):
    user_id = add_user(threaded_engine)

    outcomes = all_at_once(
        lambda index: in_own_transaction(threaded_engine, lambda service: service.reserve(user_id, 30, f"job-{index}"))
    )

    refused = [outcome for outcome in outcomes if isinstance(outcome, InsufficientCredits)]
    taken = [outcome for outcome in outcomes if isinstance(outcome, CreditEntry)]
    assert len(taken) == 3 and len(refused) == THREADS - 3, outcomes
    entries, balances = ledger_of(threaded_engine, user_id)
    assert entries == {"monthly_grant": (1, GRANT), "job_reserve": (3, -90)}
    assert balances == [GRANT - 90]
    assert all(0 <= error.balance < 30 for error in refused)


def test_twenty_first_requests_of_a_month_write_one_grant(threaded_engine):
    user_id = add_user(threaded_engine)

    outcomes = all_at_once(lambda index: in_own_transaction(threaded_engine, lambda s: s.summary(user_id).balance))

    assert outcomes == [GRANT] * THREADS
    entries, balances = ledger_of(threaded_engine, user_id)
    assert entries == {"monthly_grant": (1, GRANT)} and balances == [GRANT]


def test_settling_and_refunding_one_job_at_once_closes_it_once(threaded_engine):
    user_id = add_user(threaded_engine)
    in_own_transaction(threaded_engine, lambda service: service.reserve(user_id, 40, "job-1"))

    def close(index):
        if index % 2:
            return in_own_transaction(threaded_engine, lambda service: service.refund("job-1"))
        return in_own_transaction(threaded_engine, lambda service: service.settle("job-1", 25))

    outcomes = all_at_once(close)

    assert len(set(outcomes)) == 1, outcomes  # every caller is told the same settlement
    entries, balances = ledger_of(threaded_engine, user_id)
    closings = {reason: count for reason, (count, _) in entries.items() if reason in ("job_final", "job_refund")}
    assert list(closings.values()) == [1]
    assert balances == [GRANT - outcomes[0].actual_credits]


def test_twenty_simultaneous_retries_of_one_job_open_one_new_round(threaded_engine):
    user_id = add_user(threaded_engine)
    in_own_transaction(threaded_engine, lambda service: service.reserve(user_id, 40, "job-1"))
    in_own_transaction(threaded_engine, lambda service: service.refund("job-1"))

    outcomes = all_at_once(
        lambda index: in_own_transaction(threaded_engine, lambda service: service.reserve_again("job-1", 30))
    )

    opened = [outcome for outcome in outcomes if isinstance(outcome, CreditEntry)]
    assert len(opened) == 1 and opened[0].round == 2, outcomes
    assert all(isinstance(outcome, Conflict) for outcome in outcomes if outcome is not opened[0]), outcomes
    entries, balances = ledger_of(threaded_engine, user_id)
    assert entries["job_reserve"] == (2, -70) and balances == [GRANT - 30]


@pytest.fixture
def served(make_app, threaded_engine, postgresql_url):
    """The app behind a real WSGI server, a thread per client, on the PostgreSQL database."""
    app = make_app(**{"db.engine": threaded_engine, "database_url": postgresql_url, "credits.monthly_grant": "100"})
    server = StopableWSGIServer.create(app.app, threads=THREADS)
    assert server.wait(), "the test server did not start"
    yield server.application_url.rstrip("/")
    server.shutdown()


def test_twenty_simultaneous_first_reads_over_http_write_one_grant(served, threaded_engine):
    login = requests.post(f"{served}/api/v1/auth/dev-login", json={"email": "lea@example.com"}, timeout=30).json()
    headers = bearer(login["access_token"])

    answers = all_at_once(lambda index: requests.get(f"{served}/api/v1/credits/me", headers=headers, timeout=60))

    assert [answer.status_code for answer in answers] == [200] * THREADS, [answer.text for answer in answers]
    assert {answer.json()["balance"] for answer in answers} == {GRANT}
    entries, _ = ledger_of(threaded_engine, login["user"]["id"])
    assert entries == {"monthly_grant": (1, GRANT)}


def test_twenty_simultaneous_confirms_over_http_never_overdraw_nor_double_the_grant(served, threaded_engine):
    login = requests.post(f"{served}/api/v1/auth/dev-login", json={"email": "lea@example.com"}, timeout=30).json()
    headers, user_id = bearer(login["access_token"]), login["user"]["id"]
    # The server's estimate of 30 credits, written as the estimate would, before the month's grant exists:
    # the confirmations are the month's first requests as well.
    with make_session_factory(threaded_engine)() as session:
        session.add(
            IssuedEstimate(
                user_id=user_id,
                source="text",
                content_sha256="0" * 64,
                estimated_tokens=10_000,
                estimated_credits=30,
                model_preference="balanced",
                model="gemini-2.5-flash",
                pricing_version="v1",
                estimation_method="heuristic",
                created_at=utcnow(),
            )
        )
        session.commit()
    body = {"estimated_credits": 30, "model_preference": "balanced"}

    answers = all_at_once(
        lambda index: requests.post(f"{served}/api/v1/credits/jobs/confirm", json=body, headers=headers, timeout=60)
    )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * 3 + [402] * (THREADS - 3), [answer.text for answer in answers]
    entries, balances = ledger_of(threaded_engine, user_id)
    assert entries == {"monthly_grant": (1, GRANT), "job_reserve": (3, -90)}
    assert balances == [GRANT - 90]
    with make_session_factory(threaded_engine)() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 3
