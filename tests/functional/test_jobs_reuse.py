"""Result reuse through the API: a book uploaded again at the same limit is not sent to Gemini again.

Tasks run in-process (eager); the gemini normaliser talks to a fake Gemini
that records every request, so "zero model calls" is counted, not assumed.
"""

import pytest
from sqlalchemy import func, select

from novel_pyramid.jobs.models import ChunkResult
from tests.fakes.gemini_server import http_error
from tests.fakes.pdfs import novel_paragraphs, text_pdf

JOBS = "/api/v2/jobs"
BOOK = text_pdf(novel_paragraphs(12))


@pytest.fixture
def app(auth_headers, make_app, gemini_settings):
    return make_app(**{**gemini_settings, "gemini.max_retries": "0"})


@pytest.fixture
def lea(auth_headers):
    return auth_headers("lea@example.com")


@pytest.fixture
def paul(auth_headers):
    return auth_headers("paul@example.com")


def upload(app, headers, limit=8, filename="roman.pdf"):
    fields = {"sentence_length_limit": str(limit)}
    job = app.post(JOBS, fields, upload_files=[("pdf_file", filename, BOOK)], headers=headers, status=202).json
    if job["status"] != "completed":
        return job, None
    sentences = app.get(job["links"]["sentences"] + "?limit=1000", headers=headers).json["items"]
    return job, [item["text"] for item in sentences]


def test_a_book_uploaded_again_by_another_user_completes_with_zero_model_calls(app, gemini, lea, paul):
    first, first_sentences = upload(app, lea)
    calls = len(gemini.requests)
    assert first["status"] == "completed" and calls > 1

    second, second_sentences = upload(app, paul, filename="autre-nom.pdf")

    assert len(gemini.requests) == calls
    assert second["status"] == "completed" and second["id"] != first["id"]
    assert second["progress"]["chunks_done"] == second["progress"]["chunks_total"] == first["progress"]["chunks_total"]
    assert second_sentences == first_sentences and second["sentences_count"] == first["sentences_count"]
    # Each user still sees only their own job.
    app.get(f"{JOBS}/{first['id']}", headers=paul, status=404)


def test_another_limit_calls_the_model_again(app, gemini, lea, paul):
    upload(app, lea, limit=8)
    calls = len(gemini.requests)

    job, _ = upload(app, paul, limit=6)

    assert job["status"] == "completed" and len(gemini.requests) > calls


def test_a_failed_chunk_is_not_reused(app, gemini, dbsession, lea, paul):
    gemini.script(http_error(403, "Permission denied on the model."))
    failed, _ = upload(app, lea)
    assert failed["status"] == "failed" and failed["progress"]["chunks_failed"] == 1
    stored = dbsession.scalar(select(func.count()).select_from(ChunkResult))
    assert stored == failed["progress"]["chunks_done"]
    calls = len(gemini.requests)

    second, _ = upload(app, paul)

    # Only the chunk that failed is sent again; the others come from the store.
    assert second["status"] == "completed" and len(gemini.requests) == calls + 1
