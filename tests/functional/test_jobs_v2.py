"""v2 /api/v2/jobs: create, list, read, cancel, retry, delete, sentences; every user sees only their jobs.

Tasks run in-process (eager), so a job made through the API has ended when
the answer comes; jobs in other states are built with a small factory.
"""

import datetime

import pytest
from sqlalchemy import func, select

from novel_pyramid.accounts.models import User
from novel_pyramid.history.models import HistoryEntry
from novel_pyramid.jobs.interfaces import IJobRunner
from novel_pyramid.jobs.models import ChunkStatus, Job, JobChunk, JobStatus
from novel_pyramid.pipeline.words import count_words
from novel_pyramid.tasks import blank_request
from tests.fakes.gemini_server import http_error
from tests.fakes.pdfs import text_pdf
from tests.functional.conftest import SMALL_CHUNKS

JOBS = "/api/v2/jobs"


@pytest.fixture
def app(headers, make_app):
    return make_app(**SMALL_CHUNKS)


@pytest.fixture
def make_job(dbsession):
    """A job of ``email``'s user in any state, with ``chunks`` pending chunks."""

    def factory(email="lea@example.com", status=JobStatus.QUEUED, chunks=0, created_at=None, **fields):
        user = dbsession.scalar(select(User).where(User.email == email))
        job = Job(
            user_id=user.id,
            status=status,
            step="normalizing" if status == JobStatus.PROCESSING else "queued",
            original_filename="roman.pdf",
            sentence_length_limit=8,
            normalizer="local",
            chunks_total=chunks,
            sentences_count=0,
            **fields,
        )
        if created_at is not None:
            job.created_at = created_at
        job.chunks = [
            JobChunk(position=position, input_sentences=[f"Phrase {position}."]) for position in range(chunks)
        ]
        dbsession.add(job)
        dbsession.commit()
        return job

    return factory


def create(app, headers, status=202, **fields):
    return app.post(JOBS, fields, upload_files=[("pdf_file", "roman.pdf", text_pdf())], headers=headers, status=status)


def test_create_answers_202_with_the_job_and_its_location(app, headers):
    response = create(app, headers)

    job = response.json
    assert response.headers["Location"] == job["links"]["self"]
    assert job["links"]["self"].endswith(f"/api/v2/jobs/{job['id']}")
    # Eager mode: the job has ended before the answer.
    assert job["status"] == "completed" and job["step"] == "finished"
    progress = job["progress"]
    assert progress["chunks_total"] > 1 and progress["chunks_done"] == progress["chunks_total"]
    assert progress["percent"] == 100 and progress["chunks_failed"] == 0
    assert job["original_filename"] == "roman.pdf" and job["sentence_length_limit"] == 8
    assert job["created_at"].endswith("Z") and job["finished_at"].endswith("Z")
    assert job["error"] is None and job["sentences_count"] > 0
    assert app.get(job["links"]["self"], headers=headers).json == job


def test_create_takes_a_sentence_length_limit(app, headers):
    job = create(app, headers, sentence_length_limit="5").json
    texts = [item["text"] for item in app.get(job["links"]["sentences"] + "?limit=1000", headers=headers).json["items"]]
    assert job["sentence_length_limit"] == 5 and all(count_words(text) <= 5 for text in texts)


@pytest.mark.parametrize("limit", ["2", "51", "huit"])
def test_create_refuses_a_bad_sentence_length_limit(app, headers, dbsession, limit):
    response = create(app, headers, status=400, sentence_length_limit=limit)
    assert "sentence_length_limit" in response.json["details"]
    assert dbsession.scalar(select(func.count()).select_from(Job)) == 0


def test_create_refuses_a_bad_pdf(app, headers, dbsession):
    response = app.post(JOBS, upload_files=[("pdf_file", "roman.pdf", b"nope")], headers=headers, status=400)
    assert response.json["code"] == "invalid_pdf"
    assert dbsession.scalar(select(func.count()).select_from(Job)) == 0


def test_list_pages_newest_first_with_a_cursor(app, headers, make_job):
    start = datetime.datetime(2026, 1, 1)
    made = [make_job(created_at=start + datetime.timedelta(minutes=minute)).id for minute in range(5)]
    newest_first = list(reversed(made))

    seen, cursor = [], None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = app.get(JOBS, query, headers=headers).json
        seen += [job["id"] for job in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == newest_first
    assert len(app.get(JOBS, {"limit": "5"}, headers=headers).json["items"]) == 5


def test_list_filters_by_status(app, headers, make_job):
    queued = make_job().id
    failed = make_job(status=JobStatus.FAILED).id

    assert [job["id"] for job in app.get(JOBS, {"status": "failed"}, headers=headers).json["items"]] == [failed]
    assert [job["id"] for job in app.get(JOBS, {"status": "queued"}, headers=headers).json["items"]] == [queued]
    app.get(JOBS, {"status": "sleeping"}, headers=headers, status=400)
    app.get(JOBS, {"cursor": "not-a-cursor"}, headers=headers, status=400)
    app.get(JOBS, {"limit": "0"}, headers=headers, status=400)


def test_cancel_stops_pending_chunks_and_never_flips_back(app, headers, make_job, dbsession):
    job = make_job(status=JobStatus.PROCESSING, chunks=3)

    cancelled = app.post(f"{JOBS}/{job.id}/cancel", headers=headers).json

    assert cancelled["status"] == "cancelled" and cancelled["finished_at"]
    # A chunk task delivered after the cancel does nothing.
    runner = blank_request(app.app.registry).find_service(IJobRunner)
    for chunk in job.chunks:
        runner.normalize_chunk(chunk.id)
    dbsession.expire_all()
    assert dbsession.get(Job, job.id).status == JobStatus.CANCELLED
    assert {chunk.status for chunk in dbsession.get(Job, job.id).chunks} == {ChunkStatus.CANCELLED}
    entry = dbsession.scalars(select(HistoryEntry)).one()
    assert entry.job_id == job.id and entry.error_message
    # Cancelling again is harmless; a finished job cannot be cancelled.
    app.post(f"{JOBS}/{job.id}/cancel", headers=headers, status=200)
    completed = create(app, headers).json
    app.post(f"{JOBS}/{completed['id']}/cancel", headers=headers, status=409)


def test_retry_redoes_only_the_failed_chunks(gemini_app, headers, gemini, dbsession):
    gemini.script(http_error(403, "Permission denied on the model."))
    failed = create(gemini_app, headers).json
    assert failed["status"] == "failed" and failed["progress"]["chunks_failed"] == 1
    assert failed["error_code"] == "upstream_error" and "The rewriting service failed" in failed["error"]
    calls_before = len(gemini.requests)

    response = gemini_app.post(f"{JOBS}/{failed['id']}/retry", headers=headers, status=202)

    retried = gemini_app.get(response.headers["Location"], headers=headers).json
    assert retried["status"] == "completed" and retried["error"] is None and retried["error_code"] is None
    assert retried["progress"]["chunks_done"] == retried["progress"]["chunks_total"]
    assert len(gemini.requests) == calls_before + 1  # the one failed chunk, nothing else
    entry = dbsession.scalars(select(HistoryEntry)).one()  # rewritten, not doubled
    assert entry.error_message is None and entry.processed_sentences_count == retried["sentences_count"]
    gemini_app.post(f"{JOBS}/{failed['id']}/retry", headers=headers, status=409)


def test_retry_needs_a_failed_job_with_failed_chunks(app, headers, make_job):
    app.post(f"{JOBS}/{make_job().id}/retry", headers=headers, status=409)
    app.post(f"{JOBS}/{make_job(status=JobStatus.FAILED).id}/retry", headers=headers, status=409)


def test_delete_removes_the_job_but_keeps_history(app, headers, dbsession):
    job = create(app, headers).json

    app.delete(f"{JOBS}/{job['id']}", headers=headers, status=204)

    app.get(f"{JOBS}/{job['id']}", headers=headers, status=404)
    dbsession.expire_all()
    assert dbsession.scalar(select(func.count()).select_from(JobChunk)) == 0
    assert dbsession.scalars(select(HistoryEntry)).one().job_id is None


def test_deleting_a_running_job_cancels_it_first(app, headers, make_job, dbsession):
    job_id = make_job(status=JobStatus.PROCESSING, chunks=2).id

    app.delete(f"{JOBS}/{job_id}", headers=headers, status=204)

    dbsession.expire_all()
    assert dbsession.get(Job, job_id) is None
    entry = dbsession.scalars(select(HistoryEntry)).one()
    assert entry.error_message == "Cancelled by the user." and entry.job_id is None


def test_sentences_are_paged_in_order(app, headers, dbsession):
    job = create(app, headers).json
    url = job["links"]["sentences"]

    items, cursor = [], None
    while True:
        page = app.get(url, {"limit": "3", **({"cursor": cursor} if cursor else {})}, headers=headers).json
        assert len(page["items"]) <= 3
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [item["index"] for item in items] == list(range(job["sentences_count"]))
    v1 = app.get(f"/api/v1/status/{job['id']}", headers=headers).json["sentences"]
    assert [item["text"] for item in items] == v1
    app.get(url, {"cursor": "-1"}, headers=headers, status=400)
    app.get(url, {"limit": "1001"}, headers=headers, status=400)


def test_sentences_of_an_unfinished_job_are_a_conflict(app, headers, make_job):
    app.get(f"{JOBS}/{make_job().id}/sentences", headers=headers, status=409)


def test_another_users_job_is_not_found_everywhere(app, headers, auth_headers, make_job):
    job = create(app, headers).json
    queued = make_job()
    other = auth_headers("paul@example.com")

    for job_id in (job["id"], queued.id):
        app.get(f"{JOBS}/{job_id}", headers=other, status=404)
        app.get(f"{JOBS}/{job_id}/sentences", headers=other, status=404)
        app.post(f"{JOBS}/{job_id}/cancel", headers=other, status=404)
        app.post(f"{JOBS}/{job_id}/retry", headers=other, status=404)
        app.delete(f"{JOBS}/{job_id}", headers=other, status=404)
        app.get(f"/api/v1/status/{job_id}", headers=other, status=404)
    assert app.get(JOBS, headers=other).json == {"items": [], "next_cursor": None}
    assert app.get(f"{JOBS}/{queued.id}", headers=headers).json["status"] == "queued"


def test_jobs_need_a_signed_in_user(app):
    app.get(JOBS, status=401)
    app.post(JOBS, upload_files=[("pdf_file", "roman.pdf", text_pdf())], status=401)
