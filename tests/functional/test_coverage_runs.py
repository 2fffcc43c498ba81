"""What a coverage run does around its work: announcements, a broker that is down, a source gone, a redelivery."""

import socket

import pytest
from sqlalchemy import select

from novel_pyramid.coverage.events import CoverageRunChanged
from novel_pyramid.coverage.interfaces import ICoverageRunner
from novel_pyramid.coverage.models import CoverageRun
from novel_pyramid.credits.models import CreditEntry
from novel_pyramid.jobs.models import Job
from novel_pyramid.tasks import blank_request
from tests.functional.coverage_data import book, counts, word_list

RUN = "/api/v1/coverage/run"


@pytest.fixture
def lea(testapp, login):
    return login()["user"]["id"]


@pytest.fixture
def job(dbsession, lea):
    job, _ = book(dbsession, lea)
    return job


@pytest.fixture
def wordlist(dbsession, lea):
    return word_list(dbsession, lea)


def body(job, wordlist):
    return {"mode": "coverage", "source_type": "job", "source_id": job.id, "wordlist_id": wordlist.id}


def ledger(dbsession, run_id):
    dbsession.expire_all()
    query = select(CreditEntry.reason, CreditEntry.delta_credits).where(CreditEntry.job_id == f"coverage-run-{run_id}")
    return list(dbsession.execute(query.order_by(CreditEntry.id)))


def test_every_step_of_a_run_and_a_swap_are_announced(testapp, headers, job, wordlist):
    heard = []
    testapp.app.registry.registerHandler(heard.append, (CoverageRunChanged,))

    run_id = testapp.post_json(RUN, body(job, wordlist), headers=headers).json["coverage_run"]["id"]

    # Committed as pending, then reading, keying, covering, writing, completed.
    assert heard == [CoverageRunChanged(run_id)] * 6
    heard.clear()
    swap = {"word_key": "chat", "new_sentence_index": 3}
    testapp.post_json(f"/api/v1/coverage/runs/{run_id}/swap", swap, headers=headers)
    assert heard == [CoverageRunChanged(run_id)]
    heard.clear()
    refused = {"word_key": "chat", "new_sentence_index": 1}
    testapp.post_json(f"/api/v1/coverage/runs/{run_id}/swap", refused, headers=headers, status=400)
    assert heard == []


def test_with_the_broker_down_nothing_is_kept_and_nothing_charged(headers, make_app, job, wordlist, dbsession):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app = make_app(**{"celery.broker_url": f"redis://127.0.0.1:{closed_port}/0", "celery.task_always_eager": "false"})

    first = app.post_json(RUN, body(job, wordlist), headers=headers, status=503)
    app.post_json(RUN, body(job, wordlist), headers=headers, status=503)  # the breaker may refuse at once now

    assert first.json["code"] == "service_unavailable" and int(first.headers["Retry-After"]) > 0
    runs, assignments, _ = counts(dbsession)
    assert (runs, assignments) == (0, 0)
    assert app.get("/api/v1/credits/me", headers=headers).json["balance"] == 2000


def runner_of(testapp):
    return blank_request(testapp.app.registry).find_service(ICoverageRunner)


def queued_run(testapp, headers, job, wordlist, dbsession):
    """A run that completed, put back as its task found it: pending, charged, without results."""
    run_id = testapp.post_json(RUN, body(job, wordlist), headers=headers).json["coverage_run"]["id"]
    run = dbsession.get(CoverageRun, run_id)
    run.status, run.step, run.progress_percent, run.learning_set, run.stats = "pending", "queued", 0, None, None
    dbsession.commit()
    return run_id


def test_a_run_whose_source_is_gone_fails_in_words_and_gives_its_credits_back(
    testapp, headers, job, wordlist, dbsession
):
    run_id = queued_run(testapp, headers, job, wordlist, dbsession)
    dbsession.execute(CreditEntry.__table__.delete().where(CreditEntry.reason == "job_final"))
    dbsession.delete(dbsession.get(Job, job.id))
    dbsession.commit()

    runner_of(testapp).run(run_id)

    read = testapp.get(f"/api/v1/coverage/runs/{run_id}", headers=headers).json["coverage_run"]
    assert read["status"] == "failed" and read["error_message"] == "Job not found"
    assert [reason for reason, _ in ledger(dbsession, run_id)] == ["job_reserve", "job_refund"]
    testapp.get(f"/api/v1/coverage/runs/{run_id}/diagnosis", headers=headers, status=409)


def test_a_task_delivered_again_changes_nothing(testapp, headers, job, wordlist, dbsession):
    run_id = testapp.post_json(RUN, body(job, wordlist), headers=headers).json["coverage_run"]["id"]
    before = testapp.get(f"/api/v1/coverage/runs/{run_id}", headers=headers).json

    runner_of(testapp).run(run_id)

    assert testapp.get(f"/api/v1/coverage/runs/{run_id}", headers=headers).json == before
    assert ledger(dbsession, run_id) == [("job_reserve", -2), ("job_final", 0)]


def test_a_run_interrupted_before_its_end_is_carried_out_again(testapp, headers, job, wordlist, dbsession):
    run_id = queued_run(testapp, headers, job, wordlist, dbsession)
    dbsession.execute(CreditEntry.__table__.delete().where(CreditEntry.reason == "job_final"))
    dbsession.commit()

    runner_of(testapp).run(run_id)

    read = testapp.get(f"/api/v1/coverage/runs/{run_id}", headers=headers).json
    assert read["coverage_run"]["status"] == "completed" and read["pagination"]["total"] == 5
    assert ledger(dbsession, run_id) == [("job_reserve", -2), ("job_final", 0)]
