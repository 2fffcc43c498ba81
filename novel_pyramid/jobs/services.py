"""What the API does with jobs: submit or start an upload, read, list, cancel, retry, delete, wait (``IJobService``).

Every lookup is scoped to the user: another user's job is "not found".
Submitting, starting and retrying commit in a short transaction of their own
and send their tasks once it has committed, so that a broker that is down
gives a 503 at once and leaves nothing behind (``db.own_transaction``).
"""

import dataclasses
import hashlib
import io
import math
import os
import time

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from zope.interface import implementer

from novel_pyramid.credits.interfaces import ICreditService, IPriceTable
from novel_pyramid.credits.pricing import PREFERENCES
from novel_pyramid.db import own_transaction
from novel_pyramid.db.types import new_uuid, utcnow
from novel_pyramid.errors import Conflict, InvalidInput, InvalidPdf, NotFound
from novel_pyramid.estimates.interfaces import IEstimateService
from novel_pyramid.history.interfaces import IHistoryService
from novel_pyramid.history.models import HistoryEntry
from novel_pyramid.jobs.events import announce, announce_after_commit
from novel_pyramid.jobs.failures import CANCELLED, upstream_error_of
from novel_pyramid.jobs.interfaces import IJobService
from novel_pyramid.jobs.models import ChunkStatus, Job, JobChunk, JobStatus, JobUpload
from novel_pyramid.jobs.settlement import Step, close_reservation, record_job_end
from novel_pyramid.metrics.record import count_job_state, count_job_state_after_commit
from novel_pyramid.pipeline.extract import inspect_pdf, read_limited
from novel_pyramid.pipeline.options import ProcessingOptions
from novel_pyramid.tasks import blank_request
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


def extraction_task(job_id, task_id=None):
    """The extraction of a job; ``task_id`` is the broker's id for it, when the sender chose one to record."""
    if task_id is None:
        return EXTRACT_TASK, (job_id,)
    return EXTRACT_TASK, (job_id,), task_id


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
    estimates: IEstimateService
    # Finds the credits ledger of a transaction committed apart (``_credits_of``).
    registry: object = None

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
            request.find_service(IEstimateService),
            registry,
        )

    def get(self, user_id, job_id):
        return _users_job(self.db, user_id, job_id)

    def page(self, user_id, *, limit, status=None, after=None):
        """Up to ``limit`` jobs, newest first, after the ``(created_at, id)`` key ``after``; and whether more follow."""
        query = select(Job).where(Job.user_id == user_id)
        if status is not None:
            statuses = (status,) if isinstance(status, str) else tuple(status)
            query = query.where(Job.status.in_(statuses))
        if after is not None:
            created_at, job_id = after
            query = query.where(or_(Job.created_at < created_at, and_(Job.created_at == created_at, Job.id < job_id)))
        jobs = self.db.scalars(query.order_by(Job.created_at.desc(), Job.id.desc()).limit(limit + 1)).all()
        return jobs[:limit], len(jobs) > limit

    def sentences(self, job):
        return _sentences(self.db, job.id)

    def facts(self, jobs):
        """``{job id: JobFacts}``: a few queries for a whole page of jobs, however long."""
        ids = [job.id for job in jobs]
        if not ids:
            return {}
        entries = dict(
            self.db.execute(
                select(HistoryEntry.job_id, func.max(HistoryEntry.id))
                .where(HistoryEntry.job_id.in_(ids))
                .group_by(HistoryEntry.job_id)
            ).all()
        )
        failed = {}
        for job_id, position in self.db.execute(
            select(JobChunk.job_id, JobChunk.position)
            .where(JobChunk.job_id.in_(ids), JobChunk.status == ChunkStatus.FAILED)
            .order_by(JobChunk.job_id, JobChunk.position)
        ):
            failed.setdefault(job_id, []).append(position)
        return {
            job.id: JobFacts(
                history_id=entries.get(job.id),
                failed_chunks=tuple(failed.get(job.id, ())),
                pricing_rate=self._rate_of(job.model),
                settlement=self.credits.settlement_of(job.id) if job.estimated_credits is not None else None,
            )
            for job in jobs
        }

    def _rate_of(self, model):
        try:
            return self.prices.rate_of(model) if model is not None else None
        except KeyError:  # a model the current price table no longer prices
            return None

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
        announce_after_commit(self.registry, self.db, job.id)
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
        count_job_state_after_commit(self.db, JobStatus.AWAITING_UPLOAD)
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
        """The ``ICreditService`` writing in ``db``'s transaction: the request's, or one committed apart."""
        if db is self.db:
            return self.credits
        request = blank_request(self.registry)
        request.dbsession = db
        return request.find_service(ICreditService)

    def delete(self, user_id, job_id):
        """Delete a job and its chunks; a running job is cancelled first. Its history entry stays."""
        job = self.get(user_id, job_id)
        if job.status in CANCELLABLE:
            self.cancel(user_id, job_id)
        self.db.delete(job)
        self.db.flush()

    # -- committed apart from the request -------------------------------------------------
    def submit(self, user_id, upload, sentence_length_limit, options=None, reservation=None):
        """``upload`` is the multipart field (``.file``, ``.filename``); ``reservation`` a ``Reservation`` or None."""
        options = dict(options or {})
        preference = reservation.model_preference if reservation is not None else None
        settings = processing_settings(None, sentence_length_limit, options, preference)
        self.tasks.refuse_while_down()
        data = self._read_pdf(upload)
        job = Job(
            user_id=user_id,
            status=JobStatus.QUEUED,
            step=Step.QUEUED,
            original_filename=_clean_filename(upload.filename),
            sentence_length_limit=sentence_length_limit,
            normalizer=self.settings["normalizer"],
            processing_settings=settings,
        )
        if reservation is not None:
            job.estimated_credits = reservation.credits
            job.model = self.prices.model_for(reservation.model_preference)
            job.pricing_version = self.prices.version
            self.estimates.check_upload(user_id, job, hashlib.sha256(data).hexdigest())

        def place(db, task_id):
            job.task_id = task_id
            job.upload = _job_upload(data)
            db.add(job)
            db.flush()
            if reservation is not None:
                # Short of credits: this raises, and the transaction writes nothing, the job included.
                self._credits_of(db).reserve(
                    user_id, reservation.credits, job.id, description=f"Reserved for job {job.id}"
                )
            return job.id

        def forget(db, job_id):
            if reservation is not None:
                # The ledger only grows: the reservation is given back, then the job goes.
                self._credits_of(db).refund(job_id)
            db.execute(Job.__table__.delete().where(Job.id == job_id))

        return self._enqueue(place, forget)

    def start(self, user_id, job_id, upload, sentence_length_limit, options):
        """The confirmed job's upload: checked as ``submit`` checks one, then the job is queued."""
        self.tasks.refuse_while_down()
        with own_transaction(self.session_factory) as (_, db):
            job = _awaiting_upload(db, user_id, job_id)
        options = dict(options or {})
        preference = self._preference_of(job, options.pop("gemini_model", None))
        limit = job.sentence_length_limit if sentence_length_limit is None else sentence_length_limit
        settings = processing_settings(job.processing_settings, limit, options, preference)
        data = self._read_pdf(upload)
        # A file whose own estimate asks more than the job reserved is another book's upload.
        self.estimates.check_upload(user_id, job, hashlib.sha256(data).hexdigest())
        filename = _clean_filename(upload.filename) or job.original_filename
        waiting = {
            "status": JobStatus.AWAITING_UPLOAD,
            "step": Step.AWAITING_UPLOAD,
            "original_filename": job.original_filename,
            "sentence_length_limit": job.sentence_length_limit,
            "processing_settings": job.processing_settings,
            "task_id": None,
        }

        def place(db, task_id):
            # Conditional: of two uploads for one job, only the first to commit moves it.
            moved = db.execute(
                update(Job)
                .where(Job.id == job.id, Job.user_id == user_id, Job.status == JobStatus.AWAITING_UPLOAD)
                .values(
                    status=JobStatus.QUEUED,
                    step=Step.QUEUED,
                    original_filename=filename,
                    sentence_length_limit=limit,
                    processing_settings=settings,
                    task_id=task_id,
                )
            ).rowcount
            if not moved:
                _awaiting_upload(db, user_id, job.id)  # raises NotFound or Conflict
                raise Conflict(STARTED_MESSAGE)
            db.add(JobUpload(job_id=job.id, **_upload_fields(data)))
            return job.id

        def wait_again(db, job_id):
            # The task never left: the job waits for its upload again, its reservation intact.
            moved = db.execute(
                update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED).values(**waiting)
            ).rowcount
            if moved:
                db.execute(JobUpload.__table__.delete().where(JobUpload.job_id == job_id))

        return self._enqueue(place, wait_again)

    def _read_pdf(self, upload):
        data = read_limited(upload.file, self.settings["max_file_size"])
        # Bad files are refused now; the text of good ones is extracted by a worker.
        inspect_pdf(io.BytesIO(data), max_pages=self.settings["pipeline.max_pages"])
        return data

    def _preference_of(self, job, chosen):
        """The model preference a confirmed job runs with: its reservation priced one model, so no other."""
        if job.model is None:
            return None
        if chosen is not None:
            model = self.prices.model_for(chosen)
            if model != job.model:
                raise Conflict(
                    f"This job's credits were reserved for the model {job.model}, and {chosen} uses {model}. "
                    "To use another model, estimate and confirm the book again."
                )
            return chosen
        confirmed = (job.processing_settings or {}).get("gemini_model")
        candidates = [confirmed, *PREFERENCES] if confirmed in PREFERENCES else PREFERENCES
        return next((name for name in candidates if self.prices.model_for(name) == job.model), None)

    def _enqueue(self, place, undo):
        """Commit ``place(db, task_id)`` (the job's id), then send its extraction, whose id the job records.

        If the broker refuses the task, ``undo(db, job_id)`` takes back what was committed.
        """
        task_id = new_uuid()
        with own_transaction(self.session_factory) as (manager, db):
            job_id = place(db, task_id)
            outcome = self.tasks.send_after_commit(manager, [extraction_task(job_id, task_id)])
        if outcome.error is not None:
            with own_transaction(self.session_factory) as (_, db):
                undo(db, job_id)
            outcome.raise_for_error()
        count_job_state(JobStatus.QUEUED)
        announce(self.registry, job_id)
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
                "round_tokens": job.round_tokens,
            }
            if job.estimated_credits is not None:
                # A new round of credits for the parts done again: their share of the estimate.
                credits = math.ceil(job.estimated_credits * len(failed) / max(job.chunks_total, 1))
                self._credits_of(db).reserve_again(job.id, credits, description=f"Reserved to retry job {job.id}")
            db.execute(
                update(JobChunk)
                .where(JobChunk.id.in_([chunk_id for chunk_id, _, _ in failed]))
                .values(status=ChunkStatus.PENDING, error_message=None, error_code=None, attempts=0)
            )
            job.status, job.step = JobStatus.PROCESSING, Step.NORMALIZING
            job.chunks_failed, job.error_message, job.error_code, job.finished_at = 0, None, None, None
            job.round_tokens = 0
            outcome = self.tasks.send_after_commit(manager, [chunk_task(chunk_id) for chunk_id, _, _ in failed])
        if outcome.error is not None:
            self._undo_retry(job_id, failed, previous)
            outcome.raise_for_error()
        count_job_state(JobStatus.PROCESSING)
        announce(self.registry, job_id)
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
                moved = db.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status == JobStatus.PROCESSING)
                    .values(status=JobStatus.FAILED, step=Step.FINISHED, chunks_failed=len(failed), **previous)
                ).rowcount
                job = db.get(Job, job_id)
                if moved and job.estimated_credits is not None:
                    # The retry's round is given back: nothing was sent.
                    self._credits_of(db).refund(job_id)

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


@dataclasses.dataclass(frozen=True)
class JobFacts:
    """What the frontend's Job shows beyond the job's row: its history entry, failed parts, price and credits."""

    history_id: int | None = None
    # Positions (0-based) of the chunks that failed, in order.
    failed_chunks: tuple = ()
    # Credits per 1,000 tokens of the job's model (a Decimal), None without one.
    pricing_rate: object = None
    # ``ICreditService.settlement_of`` the job, None when it reserved nothing.
    settlement: object = None


STARTED_MESSAGE = "This job has already received its PDF; confirm a new job to process another file."


@dataclasses.dataclass(frozen=True)
class Reservation:
    """Credits reserved with a job created in one request (v2): an estimate's credits and its model preference."""

    credits: int
    model_preference: str


def processing_settings(confirmed, sentence_length_limit, options, gemini_model=None):
    """A job's ``processing_settings``: the confirmed ones, the upload's ``options`` over them, defaults for the rest.

    Every option of ``ProcessingOptions`` is written out, so the job says what
    it ran with. ``InvalidInput`` when the shortest piece would be longer than
    the longest sentence.
    """
    confirmed = dict(confirmed or {})
    chosen = {name: value for name, value in confirmed.items() if value is not None}
    chosen.update(options)
    written = ProcessingOptions.from_mapping(chosen).as_dict()
    shortest = written["min_sentence_length"]
    if shortest > sentence_length_limit:
        message = (
            f"The shortest sentence ({shortest} words) cannot be longer than the sentence length limit "
            f"({sentence_length_limit} words)."
        )
        raise InvalidInput(message, details={"min_sentence_length": [message]})
    return {**confirmed, "sentence_length_limit": sentence_length_limit, "gemini_model": gemini_model, **written}


def _awaiting_upload(db, user_id, job_id):
    """The user's job waiting for its upload; ``NotFound``, or ``Conflict`` once it has it (or has ended)."""
    job = _users_job(db, user_id, job_id)
    if job.status == JobStatus.AWAITING_UPLOAD:
        return job
    if JobStatus(job.status).is_final:
        raise Conflict(f"This job has {job.status}; confirm a new job to process the book again.")
    raise Conflict(STARTED_MESSAGE)


def _upload_fields(data):
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "data": data}


def _job_upload(data):
    return JobUpload(**_upload_fields(data))


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
