"""The recording functions: bounded labels, counts after a commit only, the pool's own events."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from novel_pyramid.metrics import record, registry


def sample(metric, *labels):
    child = metric.labels(*labels) if labels else metric
    return child._value.get()


@pytest.fixture
def metrics():
    return registry.current()


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("accounts.settings.v2:17", "accounts.settings"),
        ("history.latest.v3:4", "history.latest"),
        ("jobs.chunk_result.v1:abc", "jobs.chunk_result"),
        ("plain", "plain"),
    ],
)
def test_a_cache_key_is_counted_by_its_namespace_without_version(key, kind):
    assert record.key_kind(key) == kind


def test_unknown_methods_share_one_label_value(metrics):
    before = sample(metrics.http_requests, "r", "other", "405")
    record.observe_request("r", "BREW", 405, 0.001)
    assert sample(metrics.http_requests, "r", "other", "405") == before + 1


def test_many_lookups_count_each_key_as_hit_or_miss(metrics):
    hits, misses = (sample(metrics.cache_lookups, "k", result) for result in ("hit", "miss"))
    record.count_cache_many(["k:1", "k:2", "k:3"], {"k:2": "found"})
    assert sample(metrics.cache_lookups, "k", "hit") == hits + 1
    assert sample(metrics.cache_lookups, "k", "miss") == misses + 2


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'record.sqlite'}")
    yield engine
    engine.dispose()


def test_credits_are_counted_once_the_session_commits_and_never_after_a_rollback(engine, metrics):
    spent = sample(metrics.credits_spent, "job_reserve")
    returned = sample(metrics.credits_returned, "job_refund")
    with Session(engine) as db:
        record.count_credits_after_commit(db, "job_reserve", -7)
        record.count_credits_after_commit(db, "job_refund", 3)
        assert sample(metrics.credits_spent, "job_reserve") == spent
        db.commit()
        assert sample(metrics.credits_spent, "job_reserve") == spent + 7
        assert sample(metrics.credits_returned, "job_refund") == returned + 3

        db.execute(text("SELECT 1"))  # a transaction, as a ledger write has
        record.count_credits_after_commit(db, "job_reserve", -5)
        db.rollback()
        db.commit()
    assert sample(metrics.credits_spent, "job_reserve") == spent + 7


def test_job_states_are_counted_after_the_commit(engine, metrics):
    before = sample(metrics.job_transitions, "queued")
    with Session(engine) as db:
        record.count_job_state_after_commit(db, "queued")
        db.commit()
    assert sample(metrics.job_transitions, "queued") == before + 1


def test_the_pool_reports_its_size_and_the_connections_checked_out(engine, metrics):
    record.instrument_pool(engine)
    record.instrument_pool(engine)  # a second application on the same engine counts nothing twice
    size, out = sample(metrics.db_pool_size), sample(metrics.db_checked_out)
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        assert sample(metrics.db_checked_out) == out + 1
        assert sample(metrics.db_pool_size) == size + engine.pool.size()
    assert sample(metrics.db_checked_out) == out
