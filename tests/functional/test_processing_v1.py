"""v1 POST /process-pdf and GET /status/{job_id} (docs/api.md, "v1: the frontend's API"), tasks run in-process (eager)."""

import io
import re
import socket

import pytest
import webtest
from sqlalchemy import func, select

from novel_pyramid.history.models import HistoryEntry
from novel_pyramid.jobs.models import Job, JobChunk, JobStatus, JobUpload
from novel_pyramid.pipeline.words import count_words
from tests.fakes.gemini_server import http_error
from tests.fakes.pdfs import bad_uploads, text_pdf
from tests.functional.conftest import SMALL_CHUNKS

PROCESS = "/api/v1/process-pdf"


@pytest.fixture
def app(headers, make_app):
    return make_app(**SMALL_CHUNKS)


def upload(data=None, name="roman.pdf", field="pdf_file"):
    return [(field, name, text_pdf() if data is None else data)]


def markers(sentences):
    return [int(found) for sentence in sentences for found in re.findall(r"marqueur(\d+)", sentence)]


def row_counts(dbsession):
    dbsession.expire_all()
    return {
        model.__tablename__: dbsession.scalar(select(func.count()).select_from(model))
        for model in (Job, JobChunk, JobUpload, HistoryEntry)
    }


NOTHING = {"jobs": 0, "job_chunks": 0, "job_uploads": 0, "history": 0}


def test_sync_answer_lists_every_sentence_in_order_within_the_limit(app, headers, dbsession):
    app.put_json("/api/v1/settings", {"sentence_length_limit": 6}, headers=headers)

    response = app.post(PROCESS, upload_files=upload(), headers=headers)

    sentences = response.json["sentences"]
    assert list(response.json) == ["sentences"]
    assert all(1 <= count_words(sentence) <= 6 for sentence in sentences)
    assert markers(sentences) == list(range(6))
    job = dbsession.scalars(select(Job)).one()
    assert job.status == JobStatus.COMPLETED and job.chunks_total > 1
    assert job.chunks_done == job.chunks_total and job.sentences_count == len(sentences)
    assert dbsession.scalar(select(func.count()).select_from(JobUpload)) == 0  # deleted after extraction
    entry = dbsession.scalars(select(HistoryEntry)).one()
    assert (entry.job_id, entry.processed_sentences_count, entry.error_message) == (job.id, len(sentences), None)
    assert entry.original_filename == "roman.pdf"


def test_respond_async_answers_202_with_a_status_url(app, headers):
    synchronous = app.post(PROCESS, upload_files=upload(), headers=headers).json["sentences"]

    response = app.post(PROCESS, upload_files=upload(), headers={**headers, "Prefer": "respond-async"}, status=202)

    body = response.json
    assert set(body) == {"job_id", "status_url"}
    assert response.headers["Location"] == body["status_url"]
    assert body["status_url"].endswith(f"/api/v1/status/{body['job_id']}")
    status = app.get(body["status_url"], headers=headers).json
    assert status == {
        "job_id": body["job_id"],
        "status": "completed",
        "progress_percent": 100,
        "sentences": synchronous,
    }


def test_long_file_names_are_cut_for_history(app, headers, dbsession):
    app.post(PROCESS, upload_files=upload(name="C:\\Users\\léa\\" + "é" * 300 + ".pdf"), headers=headers)

    entry = dbsession.scalars(select(HistoryEntry)).one()
    assert len(entry.original_filename) == 128 and entry.original_filename.startswith("éé")


@pytest.mark.parametrize("files, reason", **bad_uploads())
def test_bad_uploads_are_refused_at_once_and_leave_nothing_behind(app, headers, dbsession, files, reason):
    response = app.post(PROCESS, upload_files=files, headers=headers, status=400)

    assert response.content_type == "application/json"
    assert reason in response.json["error"]
    assert row_counts(dbsession) == NOTHING


def test_a_request_without_any_file_is_refused(app, headers, dbsession):
    response = app.post(PROCESS, {"pdf_file": "not a file"}, headers=headers, status=400)
    assert "pdf_file" in response.json["details"]
    app.post_json(PROCESS, {"pdf_file": "x"}, headers=headers, status=400)
    assert row_counts(dbsession) == NOTHING


def test_too_large_an_upload_is_refused_from_its_content_length_before_reading(headers, make_app, dbsession):
    app = make_app(max_file_size="1024")

    class Unreadable(io.RawIOBase):
        def read(self, *args):
            raise AssertionError("the body was read")

    request = webtest.TestRequest.blank(
        PROCESS,
        method="POST",
        headers={**headers, "Content-Type": "multipart/form-data; boundary=xyz"},
        environ={"wsgi.input": Unreadable(), "CONTENT_LENGTH": str(200 * 1024)},
    )
    response = app.do_request(request, status=413)

    assert response.json["code"] == "payload_too_large"
    assert row_counts(dbsession) == NOTHING


def test_a_file_over_the_limit_is_refused_even_when_the_request_fits(headers, make_app, dbsession):
    app = make_app(max_file_size="1024")
    response = app.post(PROCESS, upload_files=upload(b"%PDF-" + b"x" * 4000), headers=headers, status=413)
    assert "1024" in response.json["error"]
    assert row_counts(dbsession) == NOTHING


def test_broker_down_answers_503_with_retry_after_and_leaves_nothing(headers, make_app, dbsession):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app = make_app(**{"celery.broker_url": f"redis://127.0.0.1:{closed_port}/0", "celery.task_always_eager": "false"})

    response = app.post(PROCESS, upload_files=upload(), headers=headers, status=503)

    assert int(response.headers["Retry-After"]) > 0
    assert response.json["code"] == "service_unavailable"
    assert row_counts(dbsession) == NOTHING


def test_processing_needs_a_signed_in_user(app):
    app.post(PROCESS, upload_files=upload(), status=401)


def test_status_of_an_unknown_or_another_users_job_is_404(app, headers, auth_headers):
    job_id = app.post(PROCESS, upload_files=upload(), headers={**headers, "Prefer": "respond-async"}).json["job_id"]
    other = auth_headers("paul@example.com")

    app.get(f"/api/v1/status/{job_id}", headers=other, status=404)
    app.get("/api/v1/status/no-such-job", headers=headers, status=404)
    app.get(f"/api/v1/status/{job_id}", headers=headers, status=200)


def test_gemini_rewrites_through_the_app(gemini_app, headers, gemini):
    sentences = gemini_app.post(PROCESS, upload_files=upload(), headers=headers).json["sentences"]

    assert all(count_words(sentence) <= 8 for sentence in sentences)
    assert markers(sentences) == list(range(6))
    assert gemini.requests and all(request.limit == 8 for request in gemini.requests)


def test_a_gemini_failure_fails_the_job_and_answers_502_in_our_words(gemini_app, headers, gemini, dbsession):
    gemini.script(http_error(403, "Permission denied on the model."))

    response = gemini_app.post(PROCESS, upload_files=upload(), headers=headers, status=502)

    assert response.json["code"] == "upstream_error"
    assert "The rewriting service failed" in response.json["error"]
    job = dbsession.scalars(select(Job)).one()
    assert job.status == JobStatus.FAILED and job.chunks_failed == 1 and job.error_code == "upstream_error"
    entry = dbsession.scalars(select(HistoryEntry)).one()
    assert entry.job_id == job.id and entry.error_message == job.error_message
    status = gemini_app.get(f"/api/v1/status/{job.id}", headers=headers).json
    assert status["status"] == "failed" and status["error"] == job.error_message and "sentences" not in status
    # tests/functional/test_upstream_text.py: Gemini's own words reach no answer and no row.
