"""A coverage run through Redis and a real Celery worker: queued by the web app, run and settled by the worker."""

import pytest
from sqlalchemy import select

from novel_pyramid.coverage.models import CoverageRun
from novel_pyramid.credits.models import CreditEntry
from tests.functional.coverage_data import COVERED, book, word_list
from tests.worker.conftest import wait_for

pytestmark = [pytest.mark.redis, pytest.mark.worker]


def test_a_run_is_pending_until_the_worker_runs_it(web, headers, start_worker, dbsession):
    user_id = web.get("/api/v1/auth/me", headers=headers).json["id"]
    job, _ = book(dbsession, user_id)
    wordlist = word_list(dbsession, user_id)
    body = {"mode": "coverage", "source_type": "job", "source_id": job.id, "wordlist_id": wordlist.id}

    started = web.post_json("/api/v1/coverage/run", body, headers=headers, status=201).json

    run_id = started["coverage_run"]["id"]
    assert started["coverage_run"]["status"] == "pending" and started["task_id"]
    start_worker(concurrency=1)

    def completed():
        read = web.get(f"/api/v1/coverage/runs/{run_id}", headers=headers).json
        return read["coverage_run"]["status"] == "completed" and read

    read = wait_for(completed, 60, interval=0.2, message=f"coverage run {run_id} to complete")
    assert sorted(entry["sentence_index"] for entry in read["learning_set"]) == [0, 1]
    assert {item["word_key"] for item in read["assignments"]} == COVERED
    dbsession.expire_all()
    run = dbsession.get(CoverageRun, run_id)
    assert run.celery_task_id == started["task_id"] and run.stats["keying_seconds"] >= 0
    reasons = dbsession.scalars(
        select(CreditEntry.reason).where(CreditEntry.job_id == f"coverage-run-{run_id}").order_by(CreditEntry.id)
    ).all()
    assert reasons == ["job_reserve", "job_final"]
