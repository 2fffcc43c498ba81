"""The frontend's job endpoints through Redis and a real Celery worker: start, the task id, cancel, two uploads at once."""

import threading

import pytest
from sqlalchemy import func, select

from novel_pyramid.credits.models import CreditEntry, Reason
from novel_pyramid.jobs.models import ChunkStatus, Job, JobChunk
from tests.fakes.pdfs import novel_paragraphs, text_pdf
from tests.worker.conftest import wait_for

pytestmark = [pytest.mark.redis, pytest.mark.worker]

BOOK = text_pdf(novel_paragraphs(12))
START = "/api/v1/process-pdf-async"


def upload():
    return [("pdf_file", "roman.pdf", BOOK)]


def confirm(web, headers, **settings):
    estimate = web.post(
        "/api/v1/estimate-pdf", {"model_preference": "balanced"}, upload_files=upload(), headers=headers
    )
    body = {
        "estimated_credits": estimate.json["estimated_credits"],
        "model_preference": "balanced",
        "processing_settings": settings,
    }
    return web.post_json("/api/v1/credits/jobs/confirm", body, headers=headers).json["job_id"]


def read(web, headers, job_id):
    return web.get(f"/api/v1/credits/jobs/{job_id}", headers=headers).json


def wait_until(web, headers, job_id, status, timeout=45):
    return wait_for(
        lambda: (job := read(web, headers, job_id))["status"] == status and job,
        timeout,
        interval=0.2,
        message=f"job {job_id} to become {status}",
    )


def reasons(dbsession, job_id):
    dbsession.expire_all()
    query = select(CreditEntry.reason).where(CreditEntry.job_id == job_id).order_by(CreditEntry.id)
    return list(dbsession.scalars(query))


def test_a_started_job_is_pending_until_the_worker_takes_its_task(web, headers, start_worker, dbsession):
    job_id = confirm(web, headers, sentence_length_limit=10)

    started = web.post(START, {"job_id": job_id, "min_sentence_length": "3"}, upload_files=upload(), headers=headers)

    assert started.status_code == 202
    assert started.json["status"] == "pending" and started.json["job_id"] == job_id
    assert read(web, headers, job_id)["celery_task_id"] == started.json["task_id"]
    worker = start_worker()
    job = wait_until(web, headers, job_id, "completed")
    assert job["processed_chunks"] == job["total_chunks"] > 1 and job["failed_chunks"] == []
    assert job["actual_tokens"] > 0 and job["gemini_api_calls"] > 0
    assert job["processing_settings"]["min_sentence_length"] == 3
    assert job["processing_settings"]["sentence_length_limit"] == 10
    # The worker ran the extraction under the id the job recorded.
    assert f"[{started.json['task_id']}]" in worker.log()
    assert reasons(dbsession, job_id) == [Reason.JOB_RESERVE, Reason.JOB_FINAL]


def test_a_job_cancelled_before_a_worker_came_is_refunded_and_never_run(web, headers, start_worker, gemini, dbsession):
    job_id = confirm(web, headers)
    web.post(START, {"job_id": job_id}, upload_files=upload(), headers=headers, status=202)

    cancelled = web.post(f"/api/v1/jobs/{job_id}/cancel", headers=headers).json
    start_worker()

    assert cancelled == {"job_id": job_id, "status": "cancelled", "message": cancelled["message"]}
    wait_for(lambda: not gemini.generate_requests and read(web, headers, job_id)["status"] == "cancelled", 5)
    # The extraction task found the job cancelled: nothing was read, nothing sent to the model.
    dbsession.expire_all()
    assert dbsession.scalar(select(func.count()).select_from(JobChunk).where(JobChunk.job_id == job_id)) == 0
    assert gemini.generate_requests == []
    assert reasons(dbsession, job_id) == [Reason.JOB_RESERVE, Reason.JOB_REFUND]
    listed = web.get("/api/v1/credits/jobs", {"status": "cancelled"}, headers=headers).json
    assert [job["id"] for job in listed] == [job_id]


def test_two_uploads_at_once_for_one_job_start_it_once(web, headers, start_worker, dbsession):
    job_id = confirm(web, headers)
    go = threading.Barrier(2, timeout=20)
    statuses = []

    def post():
        go.wait()
        statuses.append(web.post(START, {"job_id": job_id}, upload_files=upload(), headers=headers, expect_errors=True))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(response.status_code for response in statuses) == [202, 409]
    start_worker()
    wait_until(web, headers, job_id, "completed")
    dbsession.expire_all()
    job = dbsession.get(Job, job_id)
    (accepted,) = [response for response in statuses if response.status_code == 202]
    assert job.task_id == accepted.json["task_id"]
    chunks = dbsession.scalars(select(JobChunk.status).where(JobChunk.job_id == job_id)).all()
    assert set(chunks) == {ChunkStatus.DONE}
    assert reasons(dbsession, job_id) == [Reason.JOB_RESERVE, Reason.JOB_FINAL]
