"""Jobs through Redis and a real Celery worker: order, retry, cancel, and a worker killed mid-job."""

import re

import pytest
import redis
from sqlalchemy import func, select

from novel_pyramid.history.models import HistoryEntry
from novel_pyramid.jobs.models import ChunkStatus, Job, JobChunk
from novel_pyramid.pipeline.words import count_words
from tests.fakes.gemini_server import http_error
from tests.fakes.pdfs import novel_paragraphs, text_pdf
from tests.worker.conftest import wait_for

pytestmark = [pytest.mark.redis, pytest.mark.worker]

JOBS = "/api/v2/jobs"
PARAGRAPHS = 24  # a dozen long sentences: a job of several chunks


def book():
    return [("pdf_file", "roman.pdf", text_pdf(novel_paragraphs(PARAGRAPHS)))]


def markers(sentences):
    return [int(found) for sentence in sentences for found in re.findall(r"marqueur(\d+)", sentence)]


def submit(web, headers):
    return web.post(JOBS, upload_files=book(), headers=headers, status=202).json


def read(web, headers, job):
    return web.get(f"{JOBS}/{job['id']}", headers=headers).json


def wait_until(web, headers, job, *statuses, timeout=45):
    return wait_for(
        lambda: (current := read(web, headers, job))["status"] in statuses and current,
        timeout,
        interval=0.2,
        message=f"job {job['id']} to become {'/'.join(statuses)}",
    )


def all_sentences(web, headers, job):
    return [item["text"] for item in web.get(f"{JOBS}/{job['id']}/sentences?limit=1000", headers=headers).json["items"]]


def test_a_multi_chunk_job_completes_with_its_sentences_in_order(web, headers, start_worker, gemini, dbsession):
    start_worker()

    job = wait_until(web, headers, submit(web, headers), "completed")

    assert job["progress"]["chunks_total"] > 3
    assert job["progress"]["chunks_done"] == job["progress"]["chunks_total"]
    sentences = all_sentences(web, headers, job)
    assert markers(sentences) == list(range(PARAGRAPHS))
    assert all(count_words(sentence) <= 8 for sentence in sentences)
    entry = dbsession.scalars(select(HistoryEntry)).one()
    assert (entry.job_id, entry.processed_sentences_count) == (job["id"], len(sentences))


def test_v1_process_pdf_waits_for_the_worker(web, headers, start_worker, gemini):
    start_worker()

    sentences = web.post("/api/v1/process-pdf", upload_files=book(), headers=headers).json["sentences"]

    assert markers(sentences) == list(range(PARAGRAPHS))


def test_a_failed_chunk_is_retried_alone(web, headers, start_worker, gemini):
    start_worker()
    gemini.script(http_error(403, "Permission denied on the model."))

    failed = wait_until(web, headers, submit(web, headers), "failed")
    assert failed["progress"]["chunks_failed"] == 1 and failed["error_code"] == "upstream_error"
    assert "Permission denied" not in failed["error"]  # Gemini's words stay in the worker's log
    calls = len(gemini.requests)
    web.post(f"{JOBS}/{failed['id']}/retry", headers=headers, status=202)

    job = wait_until(web, headers, failed, "completed")
    assert len(gemini.requests) == calls + 1
    assert markers(all_sentences(web, headers, job)) == list(range(PARAGRAPHS))


def test_cancel_mid_job_stops_the_pending_chunks(web, headers, start_worker, gemini, dbsession):
    start_worker(concurrency=2)
    gemini.latency = 0.5
    job = submit(web, headers)
    wait_for(lambda: read(web, headers, job)["progress"]["chunks_done"] >= 1, 30, message="a first chunk")

    cancelled = web.post(f"{JOBS}/{job['id']}/cancel", headers=headers).json
    assert cancelled["status"] == "cancelled"

    def settled():
        dbsession.expire_all()
        statuses = dbsession.scalars(select(JobChunk.status).where(JobChunk.job_id == job["id"])).all()
        return not {ChunkStatus.PENDING, ChunkStatus.PROCESSING} & set(statuses) and statuses

    statuses = wait_for(settled, 20, message="every chunk to settle")
    assert ChunkStatus.CANCELLED in statuses
    assert len(gemini.requests) < len(statuses)
    assert read(web, headers, job)["status"] == "cancelled"


def test_a_killed_worker_loses_no_chunk_and_doubles_none(web, headers, start_worker, gemini, dbsession):
    gemini.latency = 0.5
    first = start_worker(concurrency=2)
    job = submit(web, headers)

    def mid_chunk():
        dbsession.expire_all()
        statuses = dbsession.scalars(select(JobChunk.status).where(JobChunk.job_id == job["id"])).all()
        return ChunkStatus.DONE in statuses and ChunkStatus.PROCESSING in statuses

    wait_for(mid_chunk, 30, interval=0.05, message="a chunk being processed after a first one is done")
    first.kill()
    assert read(web, headers, job)["status"] == "processing"
    start_worker(concurrency=2)

    done = wait_until(web, headers, job, "completed", timeout=60)
    assert done["progress"]["chunks_done"] == done["progress"]["chunks_total"]
    assert markers(all_sentences(web, headers, done)) == list(range(PARAGRAPHS))
    dbsession.expire_all()
    assert dbsession.get(Job, job["id"]).sentences_count == len(all_sentences(web, headers, done))
    # The chunk the killed worker was on was delivered again and done once.
    attempts = dbsession.scalars(select(JobChunk.attempts).where(JobChunk.job_id == job["id"])).all()
    assert max(attempts) >= 2
    assert dbsession.scalar(select(func.count()).select_from(HistoryEntry)) == 1


def test_work_whose_messages_were_lost_is_sent_again(web, headers, start_worker, gemini, broker):
    job = submit(web, headers)  # no worker yet: the extraction waits in Redis...
    redis.Redis.from_url(broker).flushall()  # ...and is lost there, a moment after it was sent

    start_worker()

    done = wait_until(web, headers, job, "completed", timeout=30)
    assert markers(all_sentences(web, headers, done)) == list(range(PARAGRAPHS))
