"""Jobs with credits: v2 POST /api/v2/jobs reserving an estimate's credits in one request, and the retry of a job
that reserved credits (a new round for the parts done again); tasks run in-process (eager).
"""

import math

import pytest
from sqlalchemy import func, select

from novel_pyramid.credits.interfaces import ICreditService
from novel_pyramid.credits.models import CreditEntry, Reason
from novel_pyramid.jobs.models import ChunkStatus, Job, JobChunk, JobStatus, JobUpload
from novel_pyramid.tasks import blank_request
from tests.fakes.gemini_server import http_error
from tests.fakes.pdfs import novel_paragraphs, text_pdf
from tests.functional.conftest import SMALL_CHUNKS

JOBS = "/api/v2/jobs"
BOOK = text_pdf()


@pytest.fixture
def app(headers, make_app):
    return make_app(**SMALL_CHUNKS)


def estimate(app, headers, preference="balanced", data=BOOK):
    form = {"model_preference": preference}
    files = [("pdf_file", "roman.pdf", data)]
    return app.post("/api/v1/estimate-pdf", form, upload_files=files, headers=headers).json["estimated_credits"]


def create(app, headers, status=202, data=BOOK, **fields):
    form = {name: str(value) for name, value in fields.items()}
    return app.post(JOBS, form, upload_files=[("pdf_file", "roman.pdf", data)], headers=headers, status=status)


def entries(dbsession, job_id=None):
    dbsession.expire_all()
    query = select(CreditEntry.reason, CreditEntry.delta_credits).order_by(CreditEntry.id)
    if job_id is not None:
        query = query.where(CreditEntry.job_id == job_id)
    return [tuple(row) for row in dbsession.execute(query)]


def counts(dbsession):
    dbsession.expire_all()
    return [dbsession.scalar(select(func.count()).select_from(model)) for model in (Job, JobUpload, CreditEntry)]


def job_entries(dbsession):
    return [(reason, delta) for reason, delta in entries(dbsession) if reason != Reason.MONTHLY_GRANT]


def test_a_job_created_with_a_reservation_runs_on_its_model_and_is_settled(app, headers, dbsession):
    credits = estimate(app, headers, "quality")

    body = create(app, headers, model_preference="quality", reserve_credits=credits, ignore_dialogue="true").json

    assert body["model"] == "gemini-2.5-pro" and body["reserved_credits"] == credits
    assert body["status"] == "completed"
    assert body["processing_settings"]["gemini_model"] == "quality"
    assert body["processing_settings"]["ignore_dialogue"] is True
    job = dbsession.get(Job, body["id"])
    assert (job.estimated_credits, job.pricing_version, job.task_id is not None) == (credits, "v1", True)
    assert [reason for reason, _ in entries(dbsession, job.id)] == [Reason.JOB_RESERVE, Reason.JOB_FINAL]
    assert entries(dbsession, job.id)[0] == (Reason.JOB_RESERVE, -credits)


def test_a_job_without_a_reservation_takes_the_options_and_reserves_nothing(app, headers, dbsession):
    body = create(app, headers, fix_hyphenation="false", min_sentence_length=3).json

    assert body["model"] is None and body["reserved_credits"] is None
    settings = body["processing_settings"]
    assert (settings["fix_hyphenation"], settings["min_sentence_length"], settings["gemini_model"]) == (False, 3, None)
    assert job_entries(dbsession) == []


def test_a_reservation_beyond_the_balance_is_402_and_writes_nothing(headers, make_app, dbsession):
    app = make_app(**SMALL_CHUNKS, **{"credits.monthly_grant": "1"})
    credits = estimate(app, headers)
    assert credits > 1
    before = counts(dbsession)

    error = create(app, headers, status=402, model_preference="balanced", reserve_credits=credits).json

    assert error["code"] == "insufficient_credits"
    assert counts(dbsession) == before  # no job, no upload, no entry


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"model_preference": "balanced"}, "reserve_credits"),
        ({"reserve_credits": "5"}, "model_preference"),
        ({"model_preference": "fastest", "reserve_credits": "5"}, "model_preference"),
        ({"model_preference": "balanced", "reserve_credits": "0"}, "reserve_credits"),
        ({"model_preference": "balanced", "reserve_credits": "cinq"}, "reserve_credits"),
        ({"ignore_dialogue": "oui"}, "ignore_dialogue"),
        ({"min_sentence_length": "0"}, "min_sentence_length"),
        ({"min_sentence_length": "20", "sentence_length_limit": "10"}, "min_sentence_length"),
        ({"gemini_model": "speed"}, "gemini_model"),
    ],
)
def test_bad_fields_are_refused_and_nothing_is_written(app, headers, dbsession, fields, field):
    estimate(app, headers)
    before = counts(dbsession)

    error = create(app, headers, status=400, **fields).json

    assert field in error["details"]
    assert counts(dbsession) == before


def test_a_reservation_no_estimate_stands_for_is_refused(app, headers, dbsession):
    credits = estimate(app, headers)
    before = counts(dbsession)

    forged = create(app, headers, status=409, model_preference="balanced", reserve_credits=credits + 1).json
    other_model = create(app, headers, status=409, model_preference="speed", reserve_credits=credits).json

    assert forged["code"] == other_model["code"] == "estimate_not_accepted"
    assert counts(dbsession) == before


def test_a_reservation_below_the_files_own_estimate_is_refused(app, headers, dbsession):
    small = estimate(app, headers)
    big_book = text_pdf(novel_paragraphs(60))
    assert estimate(app, headers, data=big_book) > small
    before = counts(dbsession)

    error = create(app, headers, status=409, data=big_book, model_preference="balanced", reserve_credits=small).json

    assert "estimate" in error["error"]
    assert counts(dbsession) == before


def test_v1_start_refuses_a_file_whose_estimate_exceeds_the_reservation(app, headers, dbsession):
    small = estimate(app, headers)
    body = {"estimated_credits": small, "model_preference": "balanced"}
    job_id = app.post_json("/api/v1/credits/jobs/confirm", body, headers=headers).json["job_id"]
    big_book = text_pdf(novel_paragraphs(60))
    estimate(app, headers, data=big_book)

    files = [("pdf_file", "roman.pdf", big_book)]
    app.post("/api/v1/process-pdf-async", {"job_id": job_id}, upload_files=files, headers=headers, status=409)

    dbsession.expire_all()
    assert dbsession.get(Job, job_id).status == JobStatus.AWAITING_UPLOAD


def credits_service(app, dbsession):
    request = blank_request(app.app.registry)
    request.dbsession = dbsession
    return request.find_service(ICreditService)


def failed_job_with_credits(app, headers, gemini, dbsession):
    """A confirmed job whose one chunk Gemini refused: failed, its reservation refunded."""
    credits = estimate(app, headers)
    body = {"estimated_credits": credits, "model_preference": "balanced"}
    job_id = app.post_json("/api/v1/credits/jobs/confirm", body, headers=headers).json["job_id"]
    gemini.script(http_error(403, "Permission denied on the model."))
    files = [("pdf_file", "roman.pdf", BOOK)]
    app.post("/api/v1/process-pdf-async", {"job_id": job_id}, upload_files=files, headers=headers, status=202)
    dbsession.expire_all()
    job = dbsession.get(Job, job_id)
    assert job.status == JobStatus.FAILED and job.chunks_failed == 1 and job.chunks_total > 1
    assert entries(dbsession, job_id) == [(Reason.JOB_RESERVE, -credits), (Reason.JOB_REFUND, credits)]
    return job


def test_a_retry_reserves_again_the_failed_share_of_the_estimate(gemini_app, headers, gemini, dbsession):
    job = failed_job_with_credits(gemini_app, headers, gemini, dbsession)
    share = math.ceil(job.estimated_credits * 1 / job.chunks_total)

    gemini_app.post(f"{JOBS}/{job.id}/retry", headers=headers, status=202)

    dbsession.expire_all()
    retried = dbsession.get(Job, job.id)
    assert retried.status == JobStatus.COMPLETED
    reasons = entries(dbsession, job.id)
    assert reasons[:3] == [
        (Reason.JOB_RESERVE, -job.estimated_credits),
        (Reason.JOB_REFUND, job.estimated_credits),
        (Reason.JOB_RESERVE, -share),
    ]
    assert [reason for reason, _ in reasons[3:]] == [Reason.JOB_FINAL]
    # The second round is charged for the tokens of the retried part only.
    retried_chunk = dbsession.scalars(
        select(JobChunk).where(JobChunk.job_id == job.id).order_by(JobChunk.settled_at.desc()).limit(1)
    ).one()
    assert retried.round_tokens == retried_chunk.input_tokens + retried_chunk.output_tokens


def test_a_retry_short_of_credits_is_402_and_changes_nothing(gemini_app, headers, gemini, dbsession):
    job = failed_job_with_credits(gemini_app, headers, gemini, dbsession)
    ledger = credits_service(gemini_app, dbsession)
    ledger.adjust(job.user_id, -ledger.balance(job.user_id), "Spent elsewhere")
    dbsession.commit()
    before = entries(dbsession)
    calls = len(gemini.requests)

    error = gemini_app.post(f"{JOBS}/{job.id}/retry", headers=headers, status=402).json

    assert error["code"] == "insufficient_credits"
    assert entries(dbsession) == before and len(gemini.requests) == calls
    dbsession.expire_all()
    again = dbsession.get(Job, job.id)
    assert (again.status, again.chunks_failed, again.error_code) == (JobStatus.FAILED, 1, job.error_code)
    failed = dbsession.scalar(
        select(func.count())
        .select_from(JobChunk)
        .where(JobChunk.job_id == job.id, JobChunk.status == ChunkStatus.FAILED)
    )
    assert failed == 1
