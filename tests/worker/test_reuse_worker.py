"""Result reuse with a real Celery worker: the same book uploaded again is not sent to Gemini again."""

import pytest

from tests.fakes.pdfs import novel_paragraphs, text_pdf
from tests.worker.test_jobs_worker import all_sentences, wait_until

pytestmark = [pytest.mark.redis, pytest.mark.worker]

JOBS = "/api/v2/jobs"
BOOK = text_pdf(novel_paragraphs(24))


def submit(web, headers):
    return web.post(JOBS, upload_files=[("pdf_file", "roman.pdf", BOOK)], headers=headers, status=202).json


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
