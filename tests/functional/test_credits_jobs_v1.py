"""v1 /credits/jobs as the frontend calls them: estimate, confirm (reserve), read, and finalize once the server settled.

The upload endpoint of a confirmed job is not part of these tests: a test
gives the job its upload directly and runs the tasks in-process, as a worker
would once the upload is in.
"""

import hashlib
import math

import pytest
from sqlalchemy import func, select

from novel_pyramid.config import load_settings
from novel_pyramid.credits.models import CreditEntry, Reason
from novel_pyramid.jobs.interfaces import IJobRunner
from novel_pyramid.jobs.models import Job, JobStatus, JobUpload
from novel_pyramid.tasks import blank_request
from tests.fakes.pdfs import text_pdf
from tests.functional.conftest import SMALL_CHUNKS
from tests.functional.estimates import confirm_estimated, estimate_of

CONFIRM = "/api/v1/credits/jobs/confirm"
GRANT = 2000  # the declared default


@pytest.fixture
def app(headers, make_app):
    return make_app(**SMALL_CHUNKS)


def confirm(app, headers, status=200, **fields):
    """Estimate, then confirm the estimate, as the frontend does."""
    credits = fields.pop("estimated_credits", 40)
    return confirm_estimated(app, headers, credits, fields.pop("model_preference", "balanced"), status, **fields)


def confirm_only(app, headers, status, **fields):
    """A confirmation of whatever ``fields`` say, without an estimate first."""
    body = {"estimated_credits": 40, "model_preference": "balanced", **fields}
    return app.post_json(CONFIRM, body, headers=headers, status=status)


def entries(dbsession, job_id=None):
    dbsession.expire_all()
    query = select(CreditEntry.reason, CreditEntry.delta_credits).order_by(CreditEntry.id)
    if job_id is not None:
        query = query.where(CreditEntry.job_id == job_id)
    return [(reason, delta) for reason, delta in dbsession.execute(query)]


def balance(app, headers):
    return app.get("/api/v1/credits/me", headers=headers).json["balance"]


def run(app, dbsession, job_id, data):
    """Give the confirmed job its upload and run its tasks in-process, as a worker would."""
    job = dbsession.get(Job, job_id)
    job.status, job.step, job.original_filename = JobStatus.QUEUED, "queued", "roman.pdf"
    job.upload = JobUpload(size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data)
    dbsession.commit()
    runner = blank_request(app.app.registry).find_service(IJobRunner)

    def send(chunk_ids):
        for chunk_id in chunk_ids:
            runner.normalize_chunk(chunk_id)

    runner.extract(job_id, send)
    dbsession.expire_all()
    return dbsession.get(Job, job_id)


def test_confirm_reserves_and_creates_a_job_awaiting_its_upload(app, headers, dbsession):
    settings = {"sentence_length_limit": 12, "ignore_dialogue": True, "gemini_model": "speed"}
    body = confirm(app, headers, estimated_credits=40, processing_settings=settings).json

    assert body == {
        "job_id": body["job_id"],
        "status": "pending",
        "estimated_credits": 40,
        "reserved": True,
        "message": body["message"],
    }
    job = dbsession.get(Job, body["job_id"])
    assert job.status == JobStatus.AWAITING_UPLOAD and job.sentence_length_limit == 12
    assert (job.estimated_credits, job.model, job.pricing_version) == (40, "gemini-2.5-flash", "v1")
    assert job.processing_settings == settings
    assert entries(dbsession, job.id) == [(Reason.JOB_RESERVE, -40)]
    assert balance(app, headers) == GRANT - 40
    read = app.get(f"/api/v1/credits/jobs/{job.id}", headers=headers).json
    assert read["status"] == "pending" and read["estimated_credits"] == 40 and read["actual_credits"] is None
    assert read["model"] == "gemini-2.5-flash" and read["current_step"] == "awaiting_upload"
    # The older status endpoints know the waiting job too, each in its own words.
    assert app.get(f"/api/v1/status/{job.id}", headers=headers).json["status"] == "queued"
    assert app.get(f"/api/v2/jobs/{job.id}", headers=headers).json["status"] == "awaiting_upload"


def test_confirm_beyond_the_balance_is_402_and_writes_nothing(app, headers, dbsession):
    estimate = estimate_of(app, headers, GRANT + 1)
    assert estimate["allowed"] is False and estimate["current_balance"] == GRANT

    error = confirm_only(app, headers, status=402, estimated_credits=GRANT + 1).json

    assert error["code"] == "insufficient_credits" and str(GRANT + 1) in error["error"]
    dbsession.expire_all()
    assert dbsession.scalar(select(func.count()).select_from(Job)) == 0
    assert entries(dbsession) == [(Reason.MONTHLY_GRANT, GRANT)]  # the estimate's read of the balance


@pytest.mark.parametrize(
    "fields",
    [
        {"model_preference": "fastest"},
        {"estimated_credits": 0},
        {"estimated_credits": -5},
        {"estimated_credits": 10**12},
        {"estimated_credits": "40"},
        {"estimated_credits": 4.5},
        {"actual_tokens": 10},
        {"processing_settings": {"colour": "blue"}},
        {"processing_settings": {"sentence_length_limit": 0}},
        {"processing_settings": {"ignore_dialogue": "yes"}},
    ],
)
def test_confirm_refuses_bad_input_and_writes_nothing(app, headers, dbsession, fields):
    estimate_of(app, headers, 40)

    confirm_only(app, headers, status=400, **fields)

    dbsession.expire_all()
    assert dbsession.scalar(select(func.count()).select_from(Job)) == 0
    assert entries(dbsession) == [(Reason.MONTHLY_GRANT, GRANT)]


def test_confirm_needs_a_model_preference(app, headers):
    app.post_json(CONFIRM, {"estimated_credits": 40}, headers=headers, status=400)


def heuristic_cost(job_chunks):
    """What the server charges for a completed job: characters read and written, at the heuristic's 4 a token."""
    settings = load_settings({}, environ={})
    read = " ".join(s for chunk in job_chunks for s in chunk.input_sentences)
    written = " ".join(s for chunk in job_chunks for s in chunk.output_sentences)
    tokens = math.ceil((len(read) + len(written)) / settings["credits.estimate.chars_per_token"])
    rate = dict(entry.split("=") for entry in settings["credits.prices"])["gemini-2.5-flash"]
    return math.ceil(tokens * float(rate) / 1000)


def test_a_completed_job_is_settled_by_the_server_and_finalize_only_reports_it(app, headers, dbsession):
    job_id = confirm(app, headers, estimated_credits=500).json["job_id"]
    finalize = f"/api/v1/credits/jobs/{job_id}/finalize"
    app.post_json(finalize, {"actual_tokens": 1, "success": True}, headers=headers, status=409)

    job = run(app, dbsession, job_id, text_pdf())

    assert job.status == JobStatus.COMPLETED
    cost = heuristic_cost(job.chunks)
    assert 0 < cost < 500
    assert entries(dbsession, job_id) == [(Reason.JOB_RESERVE, -500), (Reason.JOB_FINAL, 500 - cost)]
    assert balance(app, headers) == GRANT - cost
    # The client's token count changes nothing, however often it is sent.
    first = app.post_json(finalize, {"actual_tokens": 1, "success": True}, headers=headers).json
    again = app.post_json(finalize, {"actual_tokens": 10**9, "success": False}, headers=headers).json
    assert first == again
    assert first == {
        "job_id": job_id,
        "status": "completed",
        "estimated_credits": 500,
        "actual_credits": cost,
        "adjustment": cost - 500,
        "refunded": False,
        "message": first["message"],
    }
    assert entries(dbsession, job_id) == [(Reason.JOB_RESERVE, -500), (Reason.JOB_FINAL, 500 - cost)]
    read = app.get(f"/api/v1/credits/jobs/{job_id}", headers=headers).json
    assert read["status"] == "completed" and read["actual_credits"] == cost and read["progress_percent"] == 100


def test_a_failed_job_is_refunded_whole(app, headers, dbsession):
    job_id = confirm(app, headers, estimated_credits=70).json["job_id"]

    job = run(app, dbsession, job_id, b"%PDF-1.4 not really a pdf")

    assert job.status == JobStatus.FAILED
    assert entries(dbsession, job_id) == [(Reason.JOB_RESERVE, -70), (Reason.JOB_REFUND, 70)]
    assert balance(app, headers) == GRANT
    body = app.post_json(f"/api/v1/credits/jobs/{job_id}/finalize", {}, headers=headers).json
    assert body["refunded"] is True and body["refund_amount"] == 70
    assert body["actual_credits"] == 0 and body["adjustment"] == -70 and body["status"] == "failed"


def test_a_cancelled_job_is_refunded_whole_once(app, headers, dbsession):
    job_id = confirm(app, headers, estimated_credits=30).json["job_id"]

    cancelled = app.post(f"/api/v2/jobs/{job_id}/cancel", headers=headers).json
    app.post(f"/api/v2/jobs/{job_id}/cancel", headers=headers)

    assert cancelled["status"] == "cancelled"
    assert entries(dbsession, job_id) == [(Reason.JOB_RESERVE, -30), (Reason.JOB_REFUND, 30)]
    body = app.post_json(f"/api/v1/credits/jobs/{job_id}/finalize", {}, headers=headers).json
    assert body["status"] == "cancelled" and body["refunded"] is True and body["refund_amount"] == 30
    assert app.get(f"/api/v1/credits/jobs/{job_id}", headers=headers).json["is_cancelled"] is True


def test_another_users_job_is_not_found(app, headers, auth_headers):
    job_id = confirm(app, headers).json["job_id"]
    other = auth_headers("paul@example.com")

    app.get(f"/api/v1/credits/jobs/{job_id}", headers=other, status=404)
    app.post_json(f"/api/v1/credits/jobs/{job_id}/finalize", {}, headers=other, status=404)
    app.get("/api/v1/credits/jobs/no-such-job", headers=headers, status=404)


def test_finalize_of_a_job_without_reservation_is_404(app, headers):
    job_id = app.post("/api/v2/jobs", upload_files=[("pdf_file", "roman.pdf", text_pdf())], headers=headers).json["id"]

    app.post_json(f"/api/v1/credits/jobs/{job_id}/finalize", {}, headers=headers, status=404)
