"""Gemini's own words about a failure reach the log, never a client: jobs, chunks and history keep our code and message."""

import logging

import pytest
from sqlalchemy import select

from novel_pyramid.history.models import HistoryEntry
from novel_pyramid.jobs.models import Job, JobChunk
from tests.fakes.gemini_server import http_error, slow
from tests.fakes.pdfs import text_pdf

# What the fake Gemini says: text no message of ours could contain.
UPSTREAM_TEXT = "Quota zx81-upstream-words exceeded for project 4417"

FAILURES = {
    "500": ([http_error(500, UPSTREAM_TEXT)] * 2, "upstream_error", "The rewriting service failed; try again later."),
    "403": ([http_error(403, UPSTREAM_TEXT)], "upstream_error", "The rewriting service failed; try again later."),
    "429": (
        [http_error(429, UPSTREAM_TEXT)] * 2,
        "upstream_rate_limited",
        "The rewriting service is receiving too many requests; try again later.",
    ),
    "504": (
        [http_error(504, UPSTREAM_TEXT)] * 2,
        "upstream_timeout",
        "The rewriting service did not answer in time; try again later.",
    ),
}


@pytest.fixture(params=FAILURES, ids=str)
def failure(request, gemini):
    replies, code, message = FAILURES[request.param]
    gemini.script(*replies)
    return code, message


def upload():
    return [("pdf_file", "roman.pdf", text_pdf())]


def assert_nowhere(*texts):
    for text in texts:
        assert "zx81" not in text and UPSTREAM_TEXT not in text


def stored_texts(dbsession):
    dbsession.expire_all()
    return (
        [job.error_message or "" for job in dbsession.scalars(select(Job))]
        + [chunk.error_message or "" for chunk in dbsession.scalars(select(JobChunk))]
        + [entry.error_message or "" for entry in dbsession.scalars(select(HistoryEntry))]
    )


def upstream_log_lines(caplog):
    return [record for record in caplog.records if UPSTREAM_TEXT in record.getMessage()]


def test_v2_job_status_and_history_carry_our_code_and_message(gemini_app, headers, failure, dbsession, caplog):
    code, message = failure
    with caplog.at_level(logging.WARNING):
        created = gemini_app.post("/api/v2/jobs", upload_files=upload(), headers=headers, status=202)
    job_id = created.json["id"]

    job = gemini_app.get(f"/api/v2/jobs/{job_id}", headers=headers)
    listed = gemini_app.get("/api/v2/jobs", headers=headers)
    status = gemini_app.get(f"/api/v1/status/{job_id}", headers=headers)
    history = gemini_app.get("/api/v1/history", headers=headers)

    assert_nowhere(created.text, job.text, listed.text, status.text, history.text, *stored_texts(dbsession))
    assert job.json["status"] == "failed" and job.json["error_code"] == code
    assert job.json["error"].endswith(f"could not be rewritten: {message}")
    assert listed.json["items"][0]["error_code"] == code
    assert status.json["error"] == job.json["error"]
    assert [entry["error_message"] for entry in history.json] == [job.json["error"]]
    chunks = dbsession.scalars(select(JobChunk).where(JobChunk.job_id == job_id, JobChunk.error_code.is_not(None)))
    assert [(chunk.error_code, chunk.error_message) for chunk in chunks] == [(code, message)]
    # Logged, where the id of the request that ran the (in-process) task finds it.
    logged = upstream_log_lines(caplog)
    assert logged and all(record.request_id == created.headers["X-Request-ID"] for record in logged)


def test_v1_processing_answers_502_with_our_code_and_message(gemini_app, headers, failure, dbsession, caplog):
    code, message = failure
    with caplog.at_level(logging.WARNING):
        response = gemini_app.post("/api/v1/process-pdf", upload_files=upload(), headers=headers, status=502)

    assert_nowhere(response.text, *stored_texts(dbsession))
    assert response.json["code"] == code and response.json["error"].endswith(message)
    assert upstream_log_lines(caplog)


def test_a_gemini_that_never_answers_in_time_is_an_upstream_timeout(make_app, gemini_settings, gemini, headers):
    app = make_app(**{**gemini_settings, "gemini.timeout_seconds": "0.3"})
    gemini.script(slow(1.0), slow(1.0))

    job = app.post("/api/v2/jobs", upload_files=upload(), headers=headers, status=202).json

    assert job["status"] == "failed" and job["error_code"] == "upstream_timeout"
    assert "Timeout" not in job["error"] and job["error"].endswith("did not answer in time; try again later.")


def test_a_cancelled_job_says_so_by_code(make_app, headers, dbsession):
    from novel_pyramid.jobs.models import JobStatus
    from novel_pyramid.jobs.settlement import Step

    app = make_app()
    user_id = app.get("/api/v1/auth/me", headers=headers).json["id"]
    job = Job(user_id=user_id, status=JobStatus.PROCESSING, step=Step.NORMALIZING, sentence_length_limit=8)
    job.normalizer = "local"
    dbsession.add(job)
    dbsession.commit()

    cancelled = app.post(f"/api/v2/jobs/{job.id}/cancel", headers=headers).json

    assert (cancelled["error_code"], cancelled["error"]) == ("cancelled", "Cancelled by the user.")
