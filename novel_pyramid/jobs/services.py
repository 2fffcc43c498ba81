"""What the API does with jobs: submit an upload, read, list, cancel, retry, delete, wait (``IJobService``).

Every lookup is scoped to the user: another user's job is "not found".
Submitting and retrying commit in a short transaction of their own and send
their tasks once it has committed, so that a broker that is down gives a 503
at once and leaves nothing behind (``db.own_transaction``).
"""

import dataclasses
import hashlib
import io
import os
import time

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from zope.interface import implementer

from novel_pyramid.credits.interfaces import ICreditService, IPriceTable
from novel_pyramid.db import own_transaction
from novel_pyramid.db.types import utcnow
from novel_pyramid.errors import Conflict, InvalidPdf, NotFound
from novel_pyramid.history.interfaces import IHistoryService
from novel_pyramid.jobs.failures import CANCELLED, upstream_error_of
from novel_pyramid.jobs.interfaces import IJobService
from novel_pyramid.jobs.models import ChunkStatus, Job, JobChunk, JobStatus, JobUpload
from novel_pyramid.jobs.settlement import Step, close_reservation, record_job_end
from novel_pyramid.pipeline.extract import inspect_pdf, read_limited
from novel_pyramid.tasks.interfaces import ITaskSender

FILENAME_MAX_LENGTH = 255
ACTIVE = (JobStatus.QUEUED, JobStatus.PROCESSING)
# A confirmed job waiting for its upload can be cancelled too (its reservation is refunded).
CANCELLABLE = (JobStatus.AWAITING_UPLOAD, *ACTIVE)
# Waiting polls often at first (a book seen before completes well within a
# second) and never less often than this, so an ended job is noticed at most
# this late; a poll is one primary-key read.
WAIT_FIRST_POLL_SECONDS = 0.02
WAIT_MAX_POLL_SECONDS = 0.25
# The registered names of the job tasks (jobs.tasks), as the task sender takes them.
EXTRACT_TASK = "novel_pyramid.jobs.extract_job"
NORMALIZE_TASK = "novel_pyramid.jobs.normalize_chunk"


def extraction_task(job_id):
    return EXTRACT_TASK, (job_id,)


def chunk_task(chunk_id):
    return NORMALIZE_TASK, (chunk_id,)


@implementer(IJobService)
@dataclasses.dataclass
class JobService:
    """Jobs of one user: ``db`` is the request's session; ``session_factory`` serves what commits apart."""

    db: Session
    session_factory: sessionmaker
    tasks: ITaskSender
    settings: dict
    history: IHistoryService
    credits: ICreditService
    prices: IPriceTable

    @classmethod
    def create_service(cls, context, request):
        registry = request.registry
        return cls(
            request.dbsession,
            registry["db.session_factory"],
            request.find_service(ITaskSender),
            registry.settings,
            request.find_service(IHistoryService),
            request.find_service(ICreditService),
            request.find_service(IPriceTable),
        )

    def get(self, user_id, job_id):
        return _users_job(self.db, user_id, job_id)

    def page(self, user_id, *, limit, status=None, after=None):
        """Up to ``limit`` jobs, newest first, after the ``(created_at, id)`` key ``after``; and whether more follow."""
        query = select(Job).where(Job.user_id == user_id)
        if status is not None:
            query = query.where(Job.status == status)
        if after is not None:
            created_at, job_id = after
            query = query.where(or_(Job.created_at < created_at, and_(Job.created_at == created_at, Job.id < job_id)))
        jobs = self.db.scalars(query.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit + 1)).all()
        return jobs[:limit], len(jobs) > limit

    def sentences(self, job):
        return _sentences(self.db, job.id)

    def sentences_page(self, user_id, job_id, *, start, limit):
        """``(index, text)`` pairs from ``start``, at most ``limit``; and whether more follow."""
        job = self.get(user_id, job_id)
        if job.status != JobStatus.COMPLETED:
            raise Conflict(f"The job is {job.status}; its sentences are available once it has completed.")
        sentences = self.sentences(job)
        page = list(enumerate(sentences))[start : start + limit]
        return page, start + limit < len(sentences)

    def cancel(self, user_id, job_id):
        """Stop a queued or running job: pending chunks are never started. Idempotent."""
        job = self.get(user_id, job_id)
        if job.status == JobStatus.CANCELLED:
            return job
        moved = self.db.execute(
            update(Job)
            .where(Job.id == job.id, Job.status.in_(CANCELLABLE))
            .values(
                status=JobStatus.CANCELLED,
                step=Step.FINISHED,
                error_message=CANCELLED.message,
                error_code=CANCELLED.code,
                finished_at=utcnow(),
            )
        ).rowcount
        self.db.refresh(job)
        if not moved:
            raise Conflict(f"The job has already {job.status}; it cannot be cancelled.")
        self.db.execute(
            update(JobChunk)
            .where(JobChunk.job_id == job.id, JobChunk.status == ChunkStatus.PENDING)
            .values(status=ChunkStatus.CANCELLED)
        )
        self.db.execute(JobUpload.__table__.delete().where(JobUpload.job_id == job.id))
        record_job_end(self.db, job, self.history, self._credits_of)
        return job

    def confirm(self, user_id, *, estimated_credits, model_preference, sentence_length_limit, processing_settings):
        """A job waiting for its upload, its credits reserved, in the request's transaction."""
        job = Job(
            user_id=user_id,
            status=JobStatus.AWAITING_UPLOAD,
            step=Step.AWAITING_UPLOAD,
            sentence_length_limit=sentence_length_limit,
            normalizer=self.settings["normalizer"],
            estimated_credits=estimated_credits,
            model=self.prices.model_for(model_preference),
            pricing_version=self.prices.version,
            processing_settings=processing_settings,
        )
        self.db.add(job)
        self.db.flush()
        self.credits.reserve(user_id, estimated_credits, job.id, description=f"Reserved for job {job.id}")
        return job

    def settled_credits(self, user_id, job_id):
        """The ended job and its closed ``Settlement``; closes it first if its end left it open."""
        job = self.get(user_id, job_id)
        if not JobStatus(job.status).is_final:
            raise Conflict(f"The job is {job.status}; its credits are settled once it has ended.")
        if self.credits.settlement_of(job.id) is None:
            raise NotFound("This job reserved no credits.")
        close_reservation(self.db, job, self._credits_of)
        return job, self.credits.settlement_of(job.id)

    def _credits_of(self, db):
        return self.credits

    def delete(self, user_id, job_id):
        """Delete a job and its chunks; a running job is cancelled first. Its history entry stays."""
        job = self.get(user_id, job_id)
        if job.status in CANCELLABLE:
            self.cancel(user_id, job_id)
        self.db.delete(job)
        self.db.flush()

    # -- committed apart from the request -------------------------------------------------
    def submit(self, user_id, upload, sentence_length_limit):
        """``upload`` is the multipart field (``.file``, ``.filename``)."""
        self.tasks.refuse_while_down()
        data = read_limited(upload.file, self.settings["max_file_size"])
        # Bad files are refused now; the text of good ones is extracted by a worker.
        inspect_pdf(io.BytesIO(data), max_pages=self.settings["pipeline.max_pages"])
        with own_transaction(self.session_factory) as (manager, db):
            job = Job(
                user_id=user_id,
                status=JobStatus.QUEUED,
                step=Step.QUEUED,
                original_filename=_clean_filename(upload.filename),
                sentence_length_limit=sentence_length_limit,
                normalizer=self.settings["normalizer"],
            )
            job.upload = JobUpload(size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data)
            db.add(job)
            db.flush()
            job_id = job.id
            outcome = self.tasks.send_after_commit(manager, [extraction_task(job_id)])
        if outcome.error is not None:
            with own_transaction(self.session_factory) as (_, db):
                db.execute(Job.__table__.delete().where(Job.id == job_id))
            outcome.raise_for_error()
        return self.load(job_id)

    def retry(self, user_id, job_id):
        self.tasks.refuse_while_down()
        with own_transaction(self.session_factory) as (manager, db):
            job = _users_job(db, user_id, job_id)
            if job.status != JobStatus.FAILED or not job.chunks_failed:
                raise Conflict("Only a failed job with failed parts can be retried.")
            failed = db.execute(
                select(JobChunk.id, JobChunk.error_message, JobChunk.error_code).where(
                    JobChunk.job_id == job.id, JobChunk.status == ChunkStatus.FAILED
                )
            ).all()
            previous = {
                "error_message": job.error_message,
                "error_code": job.error_code,
                "finished_at": job.finished_at,
            }
            db.execute(
                update(JobChunk)
                .where(JobChunk.id.in_([chunk_id for chunk_id, _, _ in failed]))
                .values(status=ChunkStatus.PENDING, error_message=None, error_code=None, attempts=0)
            )
            job.status, job.step = JobStatus.PROCESSING, Step.NORMALIZING
            job.chunks_failed, job.error_message, job.error_code, job.finished_at = 0, None, None, None
            outcome = self.tasks.send_after_commit(manager, [chunk_task(chunk_id) for chunk_id, _, _ in failed])
        if outcome.error is not None:
            self._undo_retry(job_id, failed, previous)
            outcome.raise_for_error()
        return self.load(job_id)

    def _undo_retry(self, job_id, failed, previous):
        with own_transaction(self.session_factory) as (_, db):
            for chunk_id, error_message, error_code in failed:
                db.execute(
                    update(JobChunk)
                    .where(JobChunk.id == chunk_id, JobChunk.status == ChunkStatus.PENDING)
                    .values(status=ChunkStatus.FAILED, error_message=error_message, error_code=error_code)
                )
            still_failed = db.scalar(
                select(JobChunk.id).where(JobChunk.job_id == job_id, JobChunk.status == ChunkStatus.FAILED).limit(1)
            )
            if still_failed is not None:
                db.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status == JobStatus.PROCESSING)
                    .values(status=JobStatus.FAILED, step=Step.FINISHED, chunks_failed=len(failed), **previous)
                )

    def load(self, job_id):
        with own_transaction(self.session_factory) as (_, db):
            return db.get(Job, job_id)

    def wait_until_finished(self, job_id, timeout):
        deadline = time.monotonic() + timeout
        delay = WAIT_FIRST_POLL_SECONDS
        while True:
            job = self.load(job_id)
            if job is None:
                raise NotFound("Job not found")
            remaining = deadline - time.monotonic()
            if JobStatus(job.status).is_final or remaining <= 0:
                return job
            time.sleep(min(delay, remaining))
            delay = min(delay * 1.5, WAIT_MAX_POLL_SECONDS)

    def wait_for_result(self, job_id, timeout):
        job = self.wait_until_finished(job_id, timeout)
        if job.status == JobStatus.COMPLETED:
            with own_transaction(self.session_factory) as (_, db):
                return _sentences(db, job_id)
        if job.status == JobStatus.CANCELLED:
            raise Conflict("The job was cancelled.")
        if not JobStatus(job.status).is_final:
            return None
        if job.chunks_failed:
            # Chunks fail only when the normaliser (the AI upstream) gave up.
            raise upstream_error_of(job)
        raise InvalidPdf(job.error_message, reason="extraction_failed")


def _users_job(db, user_id, job_id):
    job = db.scalar(select(Job).where(Job.id == job_id, Job.user_id == user_id))
    if job is None:
        raise NotFound("Job not found")
    return job


def _sentences(db, job_id):
    outputs = db.scalars(select(JobChunk.output_sentences).where(JobChunk.job_id == job_id).order_by(JobChunk.position))
    return [sentence for output in outputs for sentence in output or ()]


def _clean_filename(filename):
    # Some browsers send the client's full path; only the name is ours to keep.
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    return name[:FILENAME_MAX_LENGTH] or None
