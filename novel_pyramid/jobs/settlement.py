"""Settling a chunk (done or failed) and finishing its job: the state changes shared by every step of a job.

A chunk settles during extraction when its result is already known
(``jobs.reuse``), or in its own task once a normaliser has rewritten it; both
go through ``settle_chunk``, so the job's counters move exactly once per chunk.
A chunk settles only for the holder of its lease (``leases``), or while no
live lease holds it: a worker whose lease was taken over writes nothing.
"""

import logging

from sqlalchemy import select, update

from novel_pyramid.db.types import utcnow
from novel_pyramid.history.services import HistoryService
from novel_pyramid.jobs.leases import NO_LEASE, unheld
from novel_pyramid.jobs.models import ChunkStatus, Job, JobChunk, JobStatus
from novel_pyramid.metrics.record import count_job_state_after_commit
from novel_pyramid.normalizers.results import Usage

log = logging.getLogger(__name__)

UNSETTLED = (ChunkStatus.PENDING, ChunkStatus.PROCESSING)


# A chunk settled from a stored result, or failed: no model was paid for it.
NO_USAGE = Usage()


class Step:
    """What a job is doing now (``Job.step``)."""

    AWAITING_UPLOAD = "awaiting_upload"
    QUEUED = "queued"
    EXTRACTING = "extracting"
    NORMALIZING = "normalizing"
    FINISHED = "finished"


def settle_chunk(
    db, chunk_id, job_id, output, failure, *, sources=None, usage=NO_USAGE, lease_token=None, credits_of=None
):
    """Record a chunk's output (``failure`` None) or its ``jobs.failures.Failure``; finish the job if it was the last.

    ``sources`` gives, for each output sentence, the index of the input
    sentence it came from; ``usage`` what the model used for it, added to the
    job's totals (and to the tokens of its billing round) in the UPDATE that
    counts the chunk, so the tokens of a chunk are counted exactly once.
    ``credits_of(db)`` is the ``ICreditService`` on ``db`` that closes the job's
    reservation when it ends (``close_reservation``).

    With ``lease_token``, only while the chunk carries that lease (fencing);
    without, only while no live lease holds it. False when the chunk did not
    move: settled already, or someone else's.
    """
    status = ChunkStatus.DONE if failure is None else ChunkStatus.FAILED
    error_code, error_message = failure or (None, None)
    # The job's row first, then its chunk: the order of every writer of a
    # job's chunks (claims, cancels, extraction), so none of them deadlock.
    db.execute(select(Job.id).where(Job.id == job_id).with_for_update())
    now = utcnow()
    ours = JobChunk.lease_token == lease_token if lease_token else unheld(JobChunk, now)
    moved = db.execute(
        update(JobChunk)
        .where(JobChunk.id == chunk_id, JobChunk.status.in_(UNSETTLED), ours)
        .values(
            status=status,
            output_sentences=output,
            output_sources=list(sources) if sources is not None else None,
            error_message=error_message,
            error_code=error_code,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            model_calls=usage.model_calls,
            settled_at=now,
            **NO_LEASE,
        )
    ).rowcount
    if not moved:
        return False
    if failure is None:
        counters = {"chunks_done": Job.chunks_done + 1, "sentences_count": Job.sentences_count + len(output)}
    else:
        log.warning("Chunk %s of job %s failed (%s): %s", chunk_id, job_id, error_code, error_message)
        counters = {"chunks_failed": Job.chunks_failed + 1}
    if usage != NO_USAGE:
        counters.update(
            input_tokens=Job.input_tokens + usage.input_tokens,
            output_tokens=Job.output_tokens + usage.output_tokens,
            model_calls=Job.model_calls + usage.model_calls,
            round_tokens=Job.round_tokens + usage.tokens,
        )
    # The UPDATE locks the job row: concurrent settlements read the counters
    # one after the other, so exactly one of them sees the last chunk settle.
    db.execute(update(Job).where(Job.id == job_id).values(**counters))
    job = db.get(Job, job_id, populate_existing=True)
    settled = job.chunks_done + job.chunks_failed
    if job.status == JobStatus.PROCESSING and job.step == Step.NORMALIZING and settled >= job.chunks_total:
        finish_job(db, job, credits_of)
    return True


def finish_job(db, job, credits_of=None):
    """Complete the job, or fail it when a chunk failed; write its history entry and close its credits. Once only."""
    if job.chunks_failed:
        # The job reports its first failed chunk, by code and message.
        first_code, first_message = db.execute(
            select(JobChunk.error_code, JobChunk.error_message)
            .where(JobChunk.job_id == job.id, JobChunk.status == ChunkStatus.FAILED)
            .order_by(JobChunk.position)
            .limit(1)
        ).first() or (None, None)
        status, code = JobStatus.FAILED, first_code
        message = (
            f"{job.chunks_failed} of {job.chunks_total} part(s) of the book could not be rewritten: {first_message}"
        )
    else:
        status, code, message = JobStatus.COMPLETED, None, None
    moved = db.execute(
        update(Job)
        .where(Job.id == job.id, Job.status == JobStatus.PROCESSING)
        .values(status=status, step=Step.FINISHED, error_message=message, error_code=code, finished_at=utcnow())
    ).rowcount
    if moved:
        db.refresh(job)
        log.info("Job %s %s (%s sentences)", job.id, job.status, job.sentences_count)
        record_job_end(db, job, HistoryService(db), credits_of)


def record_job_end(db, job, history, credits_of):
    """What every ended job leaves, in the transaction that ends it: its history entry, its reservation closed.

    A completed job's entry keeps a snapshot of its sentences, each with the
    one it came from, so the history detail outlives the job's chunks.
    """
    # Imported here: jobs.details reads the runner, which imports this module.
    from novel_pyramid.jobs.details import sentence_pairs

    completed = job.status == JobStatus.COMPLETED
    count_job_state_after_commit(db, job.status)
    history.record_job_end(job, completed, sentences=sentence_pairs(db, job.id) if completed else None)
    close_reservation(db, job, credits_of)


def close_reservation(db, job, credits_of):
    """Settle an ended job's reservation in ``db``'s transaction: at its cost once completed, else refunded whole.

    Only a job confirmed with a reservation (``estimated_credits``) has one.
    The cost is the price of the tokens the model used since the reservation
    (``round_tokens``: the Gemini answers' usage metadata, the offline
    normaliser's own count), summed as the chunks settled. A job whose worker
    was killed keeps its reservation open until the job ends, however it ends
    (a sweeper sends the lost work again, ``recovery``). The ledger's settle
    and refund are idempotent.
    """
    credits = credits_of(db) if credits_of is not None and job.estimated_credits is not None else None
    if credits is None:
        return
    if job.status != JobStatus.COMPLETED:
        credits.refund(job.id)
        return
    credits.settle_tokens(job.id, job.model, job.round_tokens or 0)
