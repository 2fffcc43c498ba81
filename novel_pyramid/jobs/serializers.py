"""How a job looks on the wire: the v1 status and the v2 job resource.

See docs/api.md, "v1: the frontend's API" and "v2: jobs as resources".
"""

from novel_pyramid.credits.pricing import rate_json
from novel_pyramid.db.types import isoformat
from novel_pyramid.jobs.models import JobStatus


def v1_status_json(job, sentences=None):
    # /status predates confirmed jobs: one waiting for its upload has not started, as a queued one.
    status = JobStatus.QUEUED if job.status == JobStatus.AWAITING_UPLOAD else job.status
    body = {"job_id": job.id, "status": status, "progress_percent": job.progress_percent}
    if job.status == JobStatus.COMPLETED:
        body["sentences"] = sentences
    elif job.error_message and job.status in (JobStatus.FAILED, JobStatus.CANCELLED):
        body["error"] = job.error_message
    return body


def v2_job_json(job, links):
    """The v2 job resource; ``links`` (``{"self": url, ...}``) are the view's, which knows its routes."""
    return {
        "id": job.id,
        "status": job.status,
        "step": job.step,
        "original_filename": job.original_filename,
        "sentence_length_limit": job.sentence_length_limit,
        "normalizer": job.normalizer,
        "processing_settings": job.processing_settings,
        "model": job.model,
        "reserved_credits": job.estimated_credits,
        "progress": {
            "chunks_total": job.chunks_total,
            "chunks_done": job.chunks_done,
            "chunks_failed": job.chunks_failed,
            "percent": job.progress_percent,
        },
        "sentences_count": job.sentences_count if job.status == JobStatus.COMPLETED else None,
        "error": job.error_message,
        "error_code": job.error_code,
        "created_at": isoformat(job.created_at),
        "started_at": isoformat(job.started_at),
        "finished_at": isoformat(job.finished_at),
        "updated_at": isoformat(job.updated_at),
        "links": links,
    }


# The frontend knows no "awaiting_upload" or "queued": both are its "pending".
FRONTEND_STATUS = {JobStatus.AWAITING_UPLOAD: "pending", JobStatus.QUEUED: "pending"}
FRONTEND_STATUSES = ["pending", "processing", "completed", "failed", "cancelled"]


def frontend_status(job):
    return FRONTEND_STATUS.get(job.status, job.status)


def statuses_of_frontend(name):
    """The job statuses a frontend status stands for."""
    return tuple(status for status in JobStatus if FRONTEND_STATUS.get(status, status.value) == name)


def v1_credits_job_json(job, facts):
    """The frontend's ``Job`` (``GET /credits/jobs``, ``/credits/jobs/{id}``, live progress).

    ``facts`` (``services.JobFacts``, from ``IJobService.facts``) adds what the
    job's row does not hold: its history entry, failed parts, price and settlement.
    """
    settlement = facts.settlement
    chosen = job.processing_settings or {}
    tokens = (job.input_tokens or 0) + (job.output_tokens or 0)
    estimated_tokens = chosen.get("estimated_tokens")
    rate = facts.pricing_rate
    body = {
        "id": job.id,
        "user_id": job.user_id,
        "status": frontend_status(job),
        "original_filename": job.original_filename,
        "model": job.model,
        # What the estimate counted, when the confirmation said (the frontend sends it with its settings).
        "estimated_tokens": estimated_tokens if isinstance(estimated_tokens, int) else None,
        "actual_tokens": tokens,
        "estimated_credits": job.estimated_credits,
        "actual_credits": settlement.actual_credits if settlement is not None else None,
        "pricing_version": job.pricing_version,
        "pricing_rate": rate_json(rate) if rate is not None else None,
        "progress_percent": job.progress_percent,
        "current_step": job.step,
        "error_message": job.error_message,
        "error_code": job.error_code,
        "total_chunks": job.chunks_total,
        "processed_chunks": job.chunks_done,
        "failed_chunks": list(facts.failed_chunks),
        "processing_time_seconds": _processing_seconds(job),
        "gemini_tokens_used": tokens,
        "gemini_api_calls": job.model_calls or 0,
        "processing_settings": job.processing_settings,
        "celery_task_id": job.task_id,
        "is_cancelled": job.status == JobStatus.CANCELLED,
        "started_at": isoformat(job.started_at),
        "completed_at": isoformat(job.finished_at),
        "created_at": isoformat(job.created_at),
        "updated_at": isoformat(job.updated_at),
    }
    # Left out until the job has an entry, as the frontend's optional history_id.
    if facts.history_id is not None:
        body["history_id"] = facts.history_id
    return body


def _processing_seconds(job):
    """From the start of its extraction to its end; None until it has both."""
    if job.started_at is None or job.finished_at is None:
        return None
    return round((job.finished_at - job.started_at).total_seconds(), 3)


def v1_started_job_json(job):
    """``POST /process-pdf-async``: the job queued, with its extraction task's id."""
    return {
        "job_id": job.id,
        "task_id": job.task_id,
        "status": frontend_status(job),
        "message": "The PDF was received; the job has started.",
    }


def v1_cancelled_job_json(job):
    """``POST /jobs/{id}/cancel``."""
    return {
        "job_id": job.id,
        "status": frontend_status(job),
        "message": "The job was cancelled; its reserved credits were refunded."
        if job.estimated_credits is not None
        else "The job was cancelled.",
    }


def v1_confirmed_job_json(job):
    """``POST /credits/jobs/confirm``: the job waiting for its upload, its credits reserved."""
    return {
        "job_id": job.id,
        "status": frontend_status(job),
        "estimated_credits": job.estimated_credits,
        "reserved": True,
        "message": f"{job.estimated_credits} credits reserved; upload the PDF to start the job.",
    }


def v1_finalized_job_json(job, settlement):
    """``POST /credits/jobs/{id}/finalize``: the ended job's credits, as the server settled them."""
    body = {
        "job_id": job.id,
        "status": frontend_status(job),
        "estimated_credits": settlement.reserved,
        "actual_credits": settlement.actual_credits,
        # The frontend's sign: what the job cost beyond its estimate (negative: given back).
        "adjustment": -settlement.adjustment,
        "refunded": settlement.refunded,
    }
    if settlement.refunded:
        body["refund_amount"] = settlement.adjustment
        body["message"] = f"The job {job.status}; its {settlement.reserved} reserved credits were refunded."
    else:
        body["message"] = f"The job cost {settlement.actual_credits} credits; {settlement.reserved} were reserved."
    return body
