"""What the tasks do with a job: extract its upload into chunks, normalise each chunk, finish the job.

Celery delivers a task at least once (late acknowledgement, redelivery after
a lost worker, a visibility timeout that may expire under a slow task), so
every step is idempotent and every state change is a conditional UPDATE:

- a chunk moves pending/processing → done/failed once; a second run of the
  same chunk finds it settled, or loses the race on the UPDATE, and adds nothing;
- the job's counters grow by one only when its chunk really moved, in the same
  transaction, so no chunk is lost or counted twice;
- the task that settles the last chunk finishes the job in that transaction
  (it is the "chord body", without Celery's chord counters, which do not survive
  a redelivered or retried header task);
- a cancelled, failed or completed job is never moved back by a task.

The long call to the normaliser happens between two short transactions, so no
database transaction stays open while a model thinks.
"""

import io
import logging

import sqlalchemy.exc
from sqlalchemy import func, select, update

from novel_pyramid.db.types import utcnow
from novel_pyramid.errors import InvalidPdf, UpstreamError
from novel_pyramid.jobs.history import record_job_end
from novel_pyramid.jobs.models import ChunkStatus, Job, JobChunk, JobStatus, JobUpload
from novel_pyramid.jobs.transactions import own_transaction
from novel_pyramid.normalizers import get_normalizer
from novel_pyramid.pipeline.chunking import chunk_sentences
from novel_pyramid.pipeline.extract import iter_paragraphs
from novel_pyramid.pipeline.sentences import split_sentences

log = logging.getLogger(__name__)


class Step:
    """What a job is doing now (``Job.step``)."""

    QUEUED = "queued"
    EXTRACTING = "extracting"
    NORMALIZING = "normalizing"
    FINISHED = "finished"


# A chunk whose worker died this many times is failed rather than retried
# forever: it probably kills the worker (memory) and would do so again.
MAX_CHUNK_ATTEMPTS = 5
# Chunks committed and sent together while a book is being extracted.
EXTRACT_BATCH_CHUNKS = 4
UNSETTLED = (ChunkStatus.PENDING, ChunkStatus.PROCESSING)


class JobRunner:
    def __init__(self, session_factory, normalizer, settings):
        self.session_factory = session_factory
        self.normalizer = normalizer
        self.settings = settings

    @classmethod
    def from_registry(cls, registry):
        return cls(registry["db.session_factory"], get_normalizer(registry), registry.settings)

    def _transaction(self):
        return own_transaction(self.session_factory)

    # Extraction

    def extract(self, job_id, send):
        """Turn the job's upload into chunk rows, batch by batch, and finish the extraction step.

        ``send(chunk_ids)`` queues chunk tasks; it is called once each batch has
        committed, so workers normalise the first chunks of a long book while
        its last pages are still being read. Extraction is deterministic, so a
        run redelivered after a lost worker skips the chunks already stored.
        """
        with self._transaction() as (_, db):
            job = db.get(Job, job_id)
            if job is None or JobStatus(job.status).is_final:
                return
            if job.status == JobStatus.QUEUED:
                # Committed at once so the job shows it started; conditional,
                # as a cancel may have come since the job was read.
                started = db.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
                    .values(status=JobStatus.PROCESSING, step=Step.EXTRACTING, started_at=utcnow(), sentences_count=0)
                ).rowcount
                if not started:
                    return
                db.refresh(job)
            extracted = job.step == Step.NORMALIZING
            stored = db.scalar(select(func.count()).where(JobChunk.job_id == job_id))
            unsettled = self._unsettled_chunk_ids(db, job_id)
        # Chunks stored by an earlier delivery may never have been sent.
        send(unsettled)
        if extracted:
            return
        with self._transaction() as (_, db):
            data = db.scalar(select(JobUpload.data).where(JobUpload.job_id == job_id))
        if data is None:
            return  # cancelled or deleted meanwhile: the upload went with it
        try:
            batch = []
            for position, sentences in enumerate(self._chunks_of(data)):
                if position >= stored:
                    batch.append(JobChunk(job_id=job_id, position=position, input_sentences=sentences))
                if len(batch) >= EXTRACT_BATCH_CHUNKS:
                    if not self._store(job_id, batch, send):
                        return
                    batch = []
            if not self._store(job_id, batch, send):
                return
        except InvalidPdf as error:
            with self._transaction() as (_, db):
                self._fail_extraction(db, job_id, error.message)
            return
        with self._transaction() as (_, db):
            self._end_extraction(db, job_id)

    def _store(self, job_id, batch, send):
        """Commit a batch of chunks, then send them; False once the job has been cancelled or deleted.

        Also False when another delivery of the same extraction stored these
        positions first (the unique position): that one carries on.
        """
        try:
            with self._transaction() as (_, db):
                # Only while the job is still being extracted: a cancel or a
                # failure that came first makes this update miss.
                moved = db.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status == JobStatus.PROCESSING, Job.step == Step.EXTRACTING)
                    .values(chunks_total=max([chunk.position + 1 for chunk in batch], default=0) or Job.chunks_total)
                ).rowcount
                if not moved:
                    return False
                db.add_all(batch)
                db.flush()
                chunk_ids = [chunk.id for chunk in batch]
        except sqlalchemy.exc.IntegrityError:
            log.info("Job %s is being extracted by another delivery; this one stops", job_id)
            return False
        send(chunk_ids)
        return True

    def _end_extraction(self, db, job_id):
        db.execute(JobUpload.__table__.delete().where(JobUpload.job_id == job_id))
        moved = db.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.PROCESSING, Job.step == Step.EXTRACTING)
            .values(step=Step.NORMALIZING)
        ).rowcount
        if not moved:
            return
        job = db.get(Job, job_id, populate_existing=True)
        log.info("Job %s extracted into %d chunk(s)", job_id, job.chunks_total)
        # Chunks that settled during extraction could not finish the job; if
        # they all have, finishing falls to this step.
        if job.chunks_done + job.chunks_failed >= job.chunks_total:
            self._finish(db, job)

    def _chunks_of(self, data):
        paragraphs = iter_paragraphs(io.BytesIO(data), max_pages=self.settings["pipeline.max_pages"])
        return chunk_sentences(split_sentences(paragraphs), max_words=self.settings["pipeline.chunk_max_words"])

    def fail_job(self, job_id, message):
        """End a job that a task could not carry on (an unexpected error), unless it has ended already."""
        with self._transaction() as (_, db):
            self._fail_extraction(db, job_id, message)

    def fail_chunk(self, chunk_id, message):
        """Settle a chunk whose task failed unexpectedly, so its job can still finish (and be retried)."""
        with self._transaction() as (_, db):
            job_id = db.scalar(select(JobChunk.job_id).where(JobChunk.id == chunk_id))
            if job_id is not None:
                self._settle(db, chunk_id, job_id, None, message)

    def _fail_extraction(self, db, job_id, message):
        db.execute(JobUpload.__table__.delete().where(JobUpload.job_id == job_id))
        moved = db.execute(
            update(Job)
            .where(Job.id == job_id, Job.status.in_((JobStatus.QUEUED, JobStatus.PROCESSING)))
            .values(status=JobStatus.FAILED, step=Step.FINISHED, error_message=message, finished_at=utcnow())
        ).rowcount
        if moved:
            log.info("Job %s failed at extraction: %s", job_id, message)
            record_job_end(db, db.get(Job, job_id, populate_existing=True))

    @staticmethod
    def _unsettled_chunk_ids(db, job_id):
        return db.scalars(
            select(JobChunk.id)
            .where(JobChunk.job_id == job_id, JobChunk.status.in_(UNSETTLED))
            .order_by(JobChunk.position)
        ).all()

    # Normalisation

    def normalize_chunk(self, chunk_id):
        """Normalise one chunk and record the outcome; finish the job if it was the last."""
        with self._transaction() as (_, db):
            claim = self._claim(db, chunk_id)
        if claim is None:
            return
        job_id, sentences, limit = claim
        try:
            output, error = self.normalizer.normalize(sentences, limit), None
        except UpstreamError as exc:
            output, error = None, exc.message
        except Exception:
            # Any other failure of a normaliser plugin fails this chunk alone;
            # the traceback goes to the log, not to the learner.
            log.exception("Normaliser %s failed on chunk %s", self.normalizer.name, chunk_id)
            output, error = None, "The sentence rewriter failed unexpectedly."
        with self._transaction() as (_, db):
            self._settle(db, chunk_id, job_id, output, error)

    def _claim(self, db, chunk_id):
        """Mark the chunk as being processed; None when there is nothing (more) to do."""
        chunk = db.get(JobChunk, chunk_id)
        if chunk is None or chunk.status not in UNSETTLED:
            return None  # deleted, or already settled by an earlier delivery
        job = chunk.job
        if job.status != JobStatus.PROCESSING:
            db.execute(
                update(JobChunk)
                .where(JobChunk.id == chunk_id, JobChunk.status.in_(UNSETTLED))
                .values(status=ChunkStatus.CANCELLED)
            )
            return None
        if chunk.attempts >= MAX_CHUNK_ATTEMPTS:
            self._settle(db, chunk_id, job.id, None, f"Gave up after {chunk.attempts} attempts.")
            return None
        # Conditional: another delivery of this task may have settled the chunk
        # since it was read, and a settled chunk must stay settled.
        claimed = db.execute(
            update(JobChunk)
            .where(JobChunk.id == chunk_id, JobChunk.status.in_(UNSETTLED))
            .values(status=ChunkStatus.PROCESSING, attempts=JobChunk.attempts + 1)
        ).rowcount
        if not claimed:
            return None
        return job.id, list(chunk.input_sentences), job.sentence_length_limit

    def _settle(self, db, chunk_id, job_id, output, error):
        status = ChunkStatus.DONE if error is None else ChunkStatus.FAILED
        moved = db.execute(
            update(JobChunk)
            .where(JobChunk.id == chunk_id, JobChunk.status.in_(UNSETTLED))
            .values(status=status, output_sentences=output, error_message=error)
        ).rowcount
        if not moved:
            return
        if error is None:
            counters = {"chunks_done": Job.chunks_done + 1, "sentences_count": Job.sentences_count + len(output)}
        else:
            log.warning("Chunk %s of job %s failed: %s", chunk_id, job_id, error)
            counters = {"chunks_failed": Job.chunks_failed + 1}
        # The UPDATE locks the job row: concurrent settlements read the counters
        # one after the other, so exactly one of them sees the last chunk settle.
        db.execute(update(Job).where(Job.id == job_id).values(**counters))
        job = db.get(Job, job_id, populate_existing=True)
        settled = job.chunks_done + job.chunks_failed
        if job.status == JobStatus.PROCESSING and job.step == Step.NORMALIZING and settled >= job.chunks_total:
            self._finish(db, job)

    def _finish(self, db, job):
        if job.chunks_failed:
            first_error = db.scalar(
                select(JobChunk.error_message)
                .where(JobChunk.job_id == job.id, JobChunk.status == ChunkStatus.FAILED)
                .order_by(JobChunk.position)
                .limit(1)
            )
            status = JobStatus.FAILED
            message = (
                f"{job.chunks_failed} of {job.chunks_total} part(s) of the book could not be rewritten: {first_error}"
            )
        else:
            status, message = JobStatus.COMPLETED, None
        moved = db.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == JobStatus.PROCESSING)
            .values(status=status, step=Step.FINISHED, error_message=message, finished_at=utcnow())
        ).rowcount
        if moved:
            db.refresh(job)
            log.info("Job %s %s (%s sentences)", job.id, job.status, job.sentences_count)
            record_job_end(db, job)
