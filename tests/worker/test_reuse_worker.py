"""Result reuse with a real Celery worker: the same book uploaded again is not sent to Gemini again."""

import pytest
from sqlalchemy import select, update

from novel_pyramid.jobs.models import JobChunk
from tests.fakes.pdfs import novel_paragraphs, text_pdf
from tests.worker.test_jobs_worker import all_sentences, wait_until

pytestmark = [pytest.mark.redis, pytest.mark.worker]

JOBS = "/api/v2/jobs"
BOOK = text_pdf(novel_paragraphs(24))
MARKED = ["Ce texte ne vient que de la base de données."]


def submit(web, headers):
    return web.post(JOBS, upload_files=[("pdf_file", "roman.pdf", BOOK)], headers=headers, status=202).json


def inputs(dbsession, job):
    dbsession.expire_all()
    return dbsession.scalars(
        select(JobChunk.input_sentences).where(JobChunk.job_id == job["id"]).order_by(JobChunk.position)
    ).all()


def test_a_second_upload_of_a_book_makes_zero_model_calls(web, headers, auth_headers, start_worker, gemini):
    start_worker()
    first = wait_until(web, headers, submit(web, headers), "completed")
    calls = len(gemini.requests)
    assert calls > 1

    other = auth_headers("paul@example.com")
    second = wait_until(web, other, submit(web, other), "completed")

    assert len(gemini.requests) == calls
    assert second["progress"]["chunks_done"] == first["progress"]["chunks_total"]
    assert all_sentences(web, other, second) == all_sentences(web, headers, first)


def test_a_second_upload_of_the_same_bytes_copies_the_chunks_instead_of_reading_the_pdf(
    web, headers, auth_headers, start_worker, gemini, dbsession
):
    start_worker()
    first = wait_until(web, headers, submit(web, headers), "completed")
    # Only a copy of the stored chunks can carry this text.
    dbsession.execute(
        update(JobChunk).where(JobChunk.job_id == first["id"], JobChunk.position == 0).values(input_sentences=MARKED)
    )
    dbsession.commit()
    calls = len(gemini.requests)

    other = auth_headers("paul@example.com")
    second = wait_until(web, other, submit(web, other), "completed")

    assert inputs(dbsession, second) == [MARKED, *inputs(dbsession, first)[1:]]
    assert len(gemini.requests) == calls + 1  # the changed chunk alone is new text
