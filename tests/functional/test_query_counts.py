"""Every list endpoint runs a fixed number of SQL statements, whatever its length, and uses its index.

To cover a new list endpoint, add one ``ListEndpoint`` line to ``LIST_ENDPOINTS``.
"""

import contextlib
import datetime
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import event, text

from novel_pyramid.db.types import utcnow
from novel_pyramid.history.models import HistoryEntry
from novel_pyramid.history.services import HistoryService
from tests.functional.conftest import bearer


@contextlib.contextmanager
def statements_run_on(engine):
    """Collect the SQL statements ``engine`` runs inside the block (from any thread)."""
    statements, lock = [], threading.Lock()

    def record(conn, cursor, statement, parameters, context, executemany):
        with lock:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def make_history(dbsession, user_id, count):
    now = utcnow()
    dbsession.add_all(
        HistoryEntry(
            user_id=user_id,
            timestamp=now - datetime.timedelta(minutes=i),
            original_filename=f"roman-{i}.pdf",
            processed_sentences_count=i,
        )
        for i in range(count)
    )


def make_jobs(dbsession, user_id, count):
    from novel_pyramid.jobs.models import Job

    dbsession.add_all(
        Job(user_id=user_id, original_filename=f"roman-{i}.pdf", sentence_length_limit=8, normalizer="local")
        for i in range(count)
    )


@dataclass(frozen=True)
class ListEndpoint:
    path: str
    make_rows: Callable  # (dbsession, user_id, count)


LIST_ENDPOINTS = [
    ListEndpoint("/api/v1/history?limit=100", make_history),
    ListEndpoint("/api/v2/jobs?limit=100", make_jobs),
]


def statements_of_one_request(testapp, engine, path, headers):
    with statements_run_on(engine) as statements:
        testapp.get(path, headers=headers)
    return statements


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS, ids=lambda e: e.path)
def test_a_list_runs_as_many_statements_for_fifty_rows_as_for_one(endpoint, testapp, engine, dbsession, login):
    signed_in = login()
    headers = bearer(signed_in["access_token"])
    endpoint.make_rows(dbsession, signed_in["user"]["id"], 1)
    dbsession.commit()
    with_one = statements_of_one_request(testapp, engine, endpoint.path, headers)
    endpoint.make_rows(dbsession, signed_in["user"]["id"], 49)
    dbsession.commit()
    with_fifty = statements_of_one_request(testapp, engine, endpoint.path, headers)
    assert len(with_fifty) == len(with_one)
    # The null cache (testing): the session check, then the page itself.
    assert len(with_one) <= 3, with_one


def test_history_first_page_uses_the_user_timestamp_index(dbsession):
    """EXPLAIN the query the endpoint runs: an index walk, no sort, no full scan."""
    query = HistoryService(dbsession).latest_query(user_id=1, limit=50)
    compiled = query.compile(dbsession.get_bind(), compile_kwargs={"literal_binds": True})
    dialect = dbsession.get_bind().dialect.name
    if dialect == "sqlite":
        plan = " ".join(str(row[-1]) for row in dbsession.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert "ix_history_user_id_timestamp_id" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
    else:
        plan = " ".join(row[0] for row in dbsession.execute(text(f"EXPLAIN {compiled}")))
        assert "ix_history_user_id_timestamp_id" in plan, plan
        assert "Sort" not in plan and "Seq Scan" not in plan, plan
