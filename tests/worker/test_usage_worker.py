"""A confirmed job through Redis and a real Celery worker: its options, its pages, the model's tokens, its credits.

The job goes the frontend's way (estimate, confirm, POST /process-pdf-async);
Gemini is the fake server, whose answers carry usage metadata.
"""

import re

import pytest
from sqlalchemy import select

from novel_pyramid.credits.interfaces import IPriceTable
from novel_pyramid.credits.models import CreditEntry, Reason
from novel_pyramid.jobs.models import ChunkStatus, Job, JobChunk
from novel_pyramid.tasks import blank_request
from tests.fakes.gemini_server import count_tokens
from tests.fakes.pdfs import novel_paragraphs, text_pdf
from tests.worker.conftest import wait_for

pytestmark = [pytest.mark.redis, pytest.mark.worker]

LIMIT = 8
PREFERENCE = "speed"
BOOK = text_pdf(novel_paragraphs(24))


def upload():
    return [("pdf_file", "roman.pdf", BOOK)]


def start_job(web, headers, **options):
    """Estimate, confirm and start a job with ``options`` (form fields, as the frontend sends them); its id."""
    estimated = web.post(
        "/api/v1/estimate-pdf", {"model_preference": PREFERENCE}, upload_files=upload(), headers=headers
    ).json
    confirmed = web.post_json(
        "/api/v1/credits/jobs/confirm",
        {
            "estimated_credits": estimated["estimated_credits"],
            "model_preference": PREFERENCE,
            "processing_settings": {"sentence_length_limit": LIMIT, "gemini_model": PREFERENCE},
        },
        headers=headers,
    ).json
    form = {
        "job_id": str(confirmed["job_id"]),
        "sentence_length_limit": str(LIMIT),
        "gemini_model": PREFERENCE,
        **{name: str(value).lower() for name, value in options.items()},
    }
    web.post("/api/v1/process-pdf-async", form, upload_files=upload(), headers=headers, status=202)
    return confirmed["job_id"]


def ended(dbsession, job_id, timeout=60):
    def read():
        dbsession.expire_all()
        job = dbsession.get(Job, job_id)
        return job.status in ("completed", "failed", "cancelled") and job

    return wait_for(read, timeout, interval=0.2, message=f"job {job_id} to end")


def chunks_of(dbsession, job_id):
    dbsession.expire_all()
    return dbsession.scalars(select(JobChunk).where(JobChunk.job_id == job_id).order_by(JobChunk.position)).all()


def ledger(dbsession, job_id):
    return dbsession.execute(
        select(CreditEntry.reason, CreditEntry.delta_credits)
        .where(CreditEntry.job_id == job_id)
        .order_by(CreditEntry.id)
    ).all()


def price(web, model, tokens):
    prices = blank_request(web.app.registry).find_service(IPriceTable)
    return prices.credits_for(tokens, prices.rate_of(model))


def markers(text):
    return set(re.findall(r"marqueur\d+", text))


def test_a_job_keeps_its_pages_sums_the_models_tokens_and_is_charged_their_price(
    web, headers, start_worker, gemini, dbsession
):
    worker = start_worker()

    job = ended(dbsession, start_job(web, headers))

    assert job.status == "completed"
    # The estimate read the whole book and kept its chunks: the job did not read the PDF again.
    assert f"Job {job.id} reuses the extraction its estimate kept" in worker.log()
    chunks = chunks_of(dbsession, job.id)
    assert len(chunks) > 3 and chunks[0].start_page == 1 and chunks[-1].end_page > 1
    assert all(chunk.start_page <= chunk.end_page for chunk in chunks)
    calls = gemini.generate_requests
    assert calls and {request.model for request in calls} == {job.model}
    # The tokens are Gemini's own usage metadata, summed over every call the worker made.
    assert job.model_calls == len(calls) == sum(chunk.model_calls for chunk in chunks)
    assert job.input_tokens == sum(count_tokens(request.prompt_text) for request in calls)
    assert job.input_tokens == sum(chunk.input_tokens for chunk in chunks)
    assert job.output_tokens == sum(chunk.output_tokens for chunk in chunks) > 0
    assert job.round_tokens == job.input_tokens + job.output_tokens
    cost = price(web, job.model, job.round_tokens)
    assert ledger(dbsession, job.id) == [
        (Reason.JOB_RESERVE, -job.estimated_credits),
        (Reason.JOB_FINAL, job.estimated_credits - cost),
    ]
    assert web.get(f"/api/v1/credits/jobs/{job.id}", headers=headers).json["actual_credits"] == cost


def test_results_are_reused_across_jobs_with_the_same_options_but_not_with_others(
    web, headers, auth_headers, start_worker, gemini, dbsession
):
    start_worker()
    first = ended(dbsession, start_job(web, headers, min_sentence_length=3))
    calls = len(gemini.generate_requests)
    assert first.status == "completed" and calls > 1

    other = auth_headers("paul@example.com")
    same = ended(dbsession, start_job(web, other, min_sentence_length=3))
    assert same.status == "completed" and len(gemini.generate_requests) == calls
    # Nothing was sent to the model, so nothing is charged.
    assert (same.model_calls, same.round_tokens) == (0, 0)
    assert ledger(dbsession, same.id) == [
        (Reason.JOB_RESERVE, -same.estimated_credits),
        (Reason.JOB_FINAL, same.estimated_credits),
    ]

    changed = ended(dbsession, start_job(web, other, min_sentence_length=2))
    assert changed.status == "completed" and len(gemini.generate_requests) > calls
    assert changed.model_calls == len(gemini.generate_requests) - calls


def test_a_cancel_sends_no_chunk_that_had_not_started_to_the_model(web, headers, start_worker, gemini, dbsession):
    start_worker(concurrency=2)
    gemini.latency = 0.4
    job_id = start_job(web, headers)

    def started():
        return any(chunk.status == ChunkStatus.DONE for chunk in chunks_of(dbsession, job_id))

    wait_for(started, 30, interval=0.05, message="a first chunk")
    assert web.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers).json["status"] == "cancelled"

    def settled():
        statuses = [chunk.status for chunk in chunks_of(dbsession, job_id)]
        return not {ChunkStatus.PENDING, ChunkStatus.PROCESSING} & set(statuses)

    wait_for(settled, 30, message="every chunk to settle")
    chunks = chunks_of(dbsession, job_id)
    never_started = [chunk for chunk in chunks if chunk.status == ChunkStatus.CANCELLED]
    assert never_started, "the cancel came after every chunk had started"
    sent = set().union(*(markers(request.user_text) for request in gemini.generate_requests))
    assert not sent & set().union(*(markers(" ".join(chunk.input_sentences)) for chunk in never_started))
    job = ended(dbsession, job_id)
    assert job.model_calls == len(gemini.generate_requests)
    assert ledger(dbsession, job_id) == [
        (Reason.JOB_RESERVE, -job.estimated_credits),
        (Reason.JOB_REFUND, job.estimated_credits),
    ]


def test_a_worker_killed_mid_job_leaves_the_reservation_open_until_the_job_ends(
    web, headers, start_worker, gemini, dbsession
):
    gemini.latency = 0.5
    first = start_worker(concurrency=2)
    job_id = start_job(web, headers)

    def mid_chunk():
        statuses = {chunk.status for chunk in chunks_of(dbsession, job_id)}
        return ChunkStatus.DONE in statuses and ChunkStatus.PROCESSING in statuses

    wait_for(mid_chunk, 30, interval=0.05, message="a chunk being processed after a first one is done")
    first.kill()
    reserved = dbsession.get(Job, job_id).estimated_credits
    assert ledger(dbsession, job_id) == [(Reason.JOB_RESERVE, -reserved)]  # open while nobody works on it
    start_worker(concurrency=2)

    job = ended(dbsession, job_id)
    assert job.status == "completed"
    # What the killed worker's call used was never reported: only settled chunks count.
    assert job.model_calls == sum(chunk.model_calls for chunk in chunks_of(dbsession, job_id))
    assert job.model_calls <= len(gemini.generate_requests)
    cost = price(web, job.model, job.round_tokens)
    assert ledger(dbsession, job_id) == [(Reason.JOB_RESERVE, -reserved), (Reason.JOB_FINAL, reserved - cost)]
