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

The worker running a chunk or an extraction holds a lease on it (``leases``),
renewed by its heartbeat: another delivery leaves held work alone, a worker
that dies loses the lease within ``jobs.lease_seconds`` and a sweeper sends
the work again (``recovery``), and every write is fenced by the lease token,
so a worker whose lease was taken over changes nothing.

A chunk whose text was already rewritten with the same settings (``reuse``)
is settled from the stored result, without the normaliser: during extraction
when possible, so a book seen before finishes without queueing a chunk task.
An upload whose bytes were extracted before with the same settings (same
``pipeline.extraction_digest``) is not read again: the earlier job's chunk
inputs are copied, or else the chunks its estimate kept (``IExtractionStore``
of the estimates). Identical bytes give identical text, so nothing but that
text passes from one user's job to another's.

The job's processing options (``ProcessingOptions`` of its
``processing_settings``) shape both steps: the extraction (and so its digest)
and the rewriting, with the job's model. Each rewritten chunk records the
model's tokens and calls (``normalizers.results.Usage``), summed on the job as
it settles; the job's reservation is settled at their price when it ends.
"""

import io
import logging
import time
import typing

import sqlalchemy.exc
from sqlalchemy import func, select, update
from zope.interface import implementer

from novel_pyramid.cache import IAppCache
from novel_pyramid.cache.regions import NULL_CACHE
from novel_pyramid.credits.interfaces import ICreditService
from novel_pyramid.db import own_transaction
from novel_pyramid.db.types import utcnow
from novel_pyramid.errors import InvalidPdf, UpstreamError
from novel_pyramid.estimates.interfaces import IExtractionStore
from novel_pyramid.history.services import HistoryService
from novel_pyramid.jobs.events import announce, announcing_every
from novel_pyramid.jobs.failures import INTERNAL_ERROR, REWRITER_CRASHED, Failure, rewriting_failure, too_many_attempts
from novel_pyramid.jobs.interfaces import IJobRunner, ILeaseKeeper
from novel_pyramid.jobs.leases import NO_LEASE, LeaseKeeper, LeaseTimings, lease_values, new_token, unheld
from novel_pyramid.jobs.models import ChunkStatus, Job, JobChunk, JobStatus, JobUpload
from novel_pyramid.jobs.reuse import ChunkResults, content_hash
from novel_pyramid.jobs.settlement import NO_USAGE, UNSETTLED, Step, finish_job, record_job_end, settle_chunk
from novel_pyramid.metrics.record import count_job_state_after_commit, observe_chunk
from novel_pyramid.normalizers import get_normalizer
from novel_pyramid.pipeline import Chunk, ProcessingOptions, extract_chunks, extraction_digest
from novel_pyramid.tasks import blank_request

log = logging.getLogger(__name__)


# A chunk whose worker died this many times is failed rather than retried
# forever: it probably kills the worker (memory) and would do so again.
MAX_CHUNK_ATTEMPTS = 5
# Chunks committed and sent together while a book is being extracted.
EXTRACT_BATCH_CHUNKS = 4
# The same when they are copied from an earlier extraction: copying is fast,
# so larger batches only save transactions.
COPY_BATCH_CHUNKS = 32

__all__ = ["MAX_CHUNK_ATTEMPTS", "JobRunner", "Step"]


class Rewriting(typing.NamedTuple):
    """How a job's chunks are read and rewritten: all that shapes them besides the normaliser and the text."""

    limit: int
    model: str | None
    options: ProcessingOptions

    @classmethod
    def of(cls, job):
        return cls(job.sentence_length_limit, job.model, ProcessingOptions.from_mapping(job.processing_settings))


class Claim(typing.NamedTuple):
    """What a chunk task needs once it holds the chunk's lease."""

    job_id: str
    sentences: list
    rewriting: Rewriting


@implementer(IJobRunner)
class JobRunner:
    def __init__(self, session_factory, normalizer, settings, results=None, leases=None, registry=None):
        self.session_factory = session_factory
        # Finds the credits ledger for the transaction that ends a job
        # (``credits_of``) and the estimates' kept extractions.
        self.registry = registry
        self.normalizer = normalizer
        self.settings = settings
        self.results = results or ChunkResults()
        self.leases = leases or LeaseKeeper(session_factory, LeaseTimings.from_settings(settings))

    @classmethod
    def create_service(cls, context, request):
        registry = request.registry
        cache = registry.queryUtility(IAppCache) or NULL_CACHE
        return cls(
            registry["db.session_factory"],
            get_normalizer(registry),
            registry.settings,
            ChunkResults(cache),
            request.find_service(ILeaseKeeper),
            registry,
        )

    def credits_of(self, db):
        """The ``ICreditService`` in ``db``'s transaction, found as a task finds a service; None without a registry."""
        return self._service_of(db, ICreditService)

    def _service_of(self, db, interface):
        if self.registry is None:
            return None
        request = blank_request(self.registry)
        request.dbsession = db
        return request.find_service(interface)

    def _lease(self, token, now):
        return lease_values(self.leases.timings, token, now)

    def _transaction(self):
        return own_transaction(self.session_factory)

    # Extraction

    def extract(self, job_id, send):
        """Turn the job's upload into chunk rows, batch by batch, and finish the extraction step.

        ``send(chunk_ids)`` queues chunk tasks; it is called once each batch has
        committed, so workers normalise the first chunks of a long book while
        its last pages are still being read. Extraction is deterministic, so a
        run sent again after a lost worker carries on after the chunks already
        stored. The extraction holds the job's lease while it runs.
        """
        token = new_token()
        with self._transaction() as (_, db):
            job = db.get(Job, job_id)
            if job is None or JobStatus(job.status).is_final:
                return
            now = utcnow()
            if job.status == JobStatus.QUEUED:
                # Committed at once so the job shows it started; conditional,
                # as a cancel may have come since the job was read.
                started = db.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
                    .values(
                        status=JobStatus.PROCESSING,
                        step=Step.EXTRACTING,
                        started_at=now,
                        sentences_count=0,
                        **self._lease(token, now),
                    )
                ).rowcount
                if not started:
                    return
                count_job_state_after_commit(db, JobStatus.PROCESSING)
            elif job.step == Step.EXTRACTING:
                # Taken over only from a worker that no longer holds it.
                taken = db.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status == JobStatus.PROCESSING, Job.step == Step.EXTRACTING)
                    .where(unheld(Job, now))
                    .values(**self._lease(token, now))
                ).rowcount
                if not taken:
                    log.info("Job %s is being extracted by another worker; this delivery leaves it", job_id)
                    return
            db.refresh(job)
            extracted = job.step == Step.NORMALIZING
            rewriting = Rewriting.of(job)
            stored = db.scalar(select(func.count()).where(JobChunk.job_id == job_id))
            waiting = self._waiting_chunk_ids(db, job_id)
        if extracted:
            send(waiting)  # a delivery again: chunks it stored may never have been sent
            return
        try:
            with self.leases.holding(Job, token):
                # Chunks stored by an earlier delivery may never have been sent.
                send(waiting)
                self._extract_upload(job_id, token, rewriting, stored, send)
        except BaseException:
            # Let the sweeper send the extraction again at once, rather than a lease length later.
            self.leases.release(Job, token)
            raise

    def _extract_upload(self, job_id, token, rewriting, stored, send):
        with self._transaction() as (_, db):
            upload_sha256 = db.scalar(select(JobUpload.sha256).where(JobUpload.job_id == job_id))
        if upload_sha256 is None:
            return  # cancelled or deleted meanwhile: the upload went with it
        digest = extraction_digest(
            upload_sha256,
            max_pages=self.settings["pipeline.max_pages"],
            chunk_max_words=self.settings["pipeline.chunk_max_words"],
            options=rewriting.options,
        )
        # What an earlier job or an estimate extracted first; copying is fast,
        # so larger batches only save transactions.
        chunks = self._copied_chunks(job_id, digest) or self._kept_chunks(job_id, digest)
        batch_size = COPY_BATCH_CHUNKS
        if chunks is None:
            with self._transaction() as (_, db):
                data = db.scalar(select(JobUpload.data).where(JobUpload.job_id == job_id))
            if data is None:
                return
            chunks, batch_size = self._chunks_of(data, rewriting.options), EXTRACT_BATCH_CHUNKS
        try:
            batch = []
            for position, chunk in enumerate(chunks):
                if position >= stored:
                    batch.append(
                        JobChunk(
                            job_id=job_id,
                            position=position,
                            input_sentences=list(chunk.sentences),
                            start_page=chunk.start_page,
                            end_page=chunk.end_page,
                        )
                    )
                if len(batch) >= batch_size:
                    if not self._store(job_id, token, rewriting, batch, send):
                        return
                    batch = []
            if not self._store(job_id, token, rewriting, batch, send):
                return
        except InvalidPdf as error:
            with self._transaction() as (_, db):
                self._fail_extraction(db, job_id, Failure(error.code, error.message), token)
            announce(self.registry, job_id)
            return
        with self._transaction() as (_, db):
            self._end_extraction(db, job_id, token, digest)
        announce(self.registry, job_id)

    def _copied_chunks(self, job_id, digest):
        """The chunk inputs of an earlier job extracted with the same ``digest``, in order; None when there is none.

        A job gets its digest only once its extraction has stored every chunk,
        so a job that failed or was cancelled while extracting is never a
        source. Only the input text is copied: its outputs are looked up by
        content like any other chunk's. A source deleted meanwhile, or missing
        chunks, means reading the PDF after all.
        """
        with self._transaction() as (_, db):
            source = db.execute(
                select(Job.id, Job.chunks_total)
                .where(Job.extraction_digest == digest, Job.id != job_id)
                .order_by(Job.created_at.desc())
                .limit(1)
            ).first()
            if source is None:
                return None
            rows = db.execute(
                select(JobChunk.position, JobChunk.input_sentences, JobChunk.start_page, JobChunk.end_page)
                .where(JobChunk.job_id == source.id)
                .order_by(JobChunk.position)
            ).all()
        if [row.position for row in rows] != list(range(source.chunks_total)):
            log.warning("Job %s: the chunks of job %s are incomplete; reading the PDF instead", job_id, source.id)
            return None
        log.info("Job %s reuses the extraction of job %s (%d chunks)", job_id, source.id, len(rows))
        return [Chunk(row.input_sentences, row.start_page, row.end_page) for row in rows]

    def _kept_chunks(self, job_id, digest):
        """The chunks an estimate of the same bytes kept (``IExtractionStore``), in order; None when it kept none."""
        with self._transaction() as (_, db):
            store = self._service_of(db, IExtractionStore)
            kept = store.chunks(digest) if store is not None else None
            if not kept:
                return None
            chunks = [Chunk(list(chunk.sentences), chunk.start_page, chunk.end_page) for chunk in kept]
        log.info("Job %s reuses the extraction its estimate kept (%d chunks)", job_id, len(chunks))
        return chunks

    def _store(self, job_id, token, rewriting, batch, send):
        """Commit a batch of chunks, then send those still to rewrite; False once the job has been cancelled or deleted.

        Chunks whose result is known are stored settled, and counted in the
        same UPDATE. Also False when the extraction's lease has passed to
        another worker, or another delivery stored these positions first (the
        unique position): that one carries on.
        """
        try:
            with self._transaction() as (_, db):
                # Read before the UPDATE below, which holds the job's row lock until the commit.
                hashes = [self._hash(rewriting, chunk.input_sentences) for chunk in batch]
                known = self.results.lookup_many(db, hashes)
                now = utcnow()
                for chunk, key in zip(batch, hashes, strict=True):
                    if key in known:
                        # Settled from the stored result: no model call, no tokens.
                        chunk.status, chunk.settled_at = ChunkStatus.DONE, now
                        chunk.output_sentences, chunk.output_sources = known[key].sentences, known[key].sources
                reused = [chunk for chunk in batch if chunk.status == ChunkStatus.DONE]
                # Only while the job is still being extracted under this lease:
                # a cancel, a failure or a takeover that came first makes it miss.
                moved = db.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status == JobStatus.PROCESSING, Job.step == Step.EXTRACTING)
                    .where(Job.lease_token == token)
                    .values(
                        chunks_total=max([chunk.position + 1 for chunk in batch], default=0) or Job.chunks_total,
                        chunks_done=Job.chunks_done + len(reused),
                        sentences_count=Job.sentences_count + sum(len(chunk.output_sentences) for chunk in reused),
                    )
                ).rowcount
                if not moved:
                    return False
                db.add_all(batch)
                db.flush()
                chunk_ids = [chunk.id for chunk in batch if chunk.status != ChunkStatus.DONE]
        except sqlalchemy.exc.IntegrityError:
            log.info("Job %s is being extracted by another delivery; this one stops", job_id)
            return False
        announce(self.registry, job_id)
        send(chunk_ids)
        return True

    def _end_extraction(self, db, job_id, token, digest):
        # The digest marks the chunks as complete, so it is set in the same UPDATE.
        moved = db.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.PROCESSING, Job.step == Step.EXTRACTING)
            .where(Job.lease_token == token)
            .values(step=Step.NORMALIZING, extraction_digest=digest, **NO_LEASE)
        ).rowcount
        if not moved:
            return
        db.execute(JobUpload.__table__.delete().where(JobUpload.job_id == job_id))
        job = db.get(Job, job_id, populate_existing=True)
        log.info("Job %s extracted into %d chunk(s)", job_id, job.chunks_total)
        # Chunks that settled during extraction could not finish the job; if
        # they all have, finishing falls to this step.
        if job.chunks_done + job.chunks_failed >= job.chunks_total:
            finish_job(db, job, self.credits_of)

    def _chunks_of(self, data, options):
        return extract_chunks(
            io.BytesIO(data),
            max_pages=self.settings["pipeline.max_pages"],
            chunk_max_words=self.settings["pipeline.chunk_max_words"],
            options=options,
        )

    def fail_job(self, job_id, failure=INTERNAL_ERROR):
        """End a job a task could not carry on (an unexpected error), unless it has ended or another worker holds it."""
        with self._transaction() as (_, db):
            self._fail_extraction(db, job_id, failure)
        announce(self.registry, job_id)

    def fail_chunk(self, chunk_id, failure=INTERNAL_ERROR):
        """Settle a chunk whose task failed unexpectedly, so its job can still finish (and be retried).

        Not while another worker holds its lease: that worker's outcome stands.
        """
        with self._transaction() as (_, db):
            job_id = db.scalar(select(JobChunk.job_id).where(JobChunk.id == chunk_id))
            if job_id is not None:
                settle_chunk(db, chunk_id, job_id, None, failure, credits_of=self.credits_of)
        announce(self.registry, job_id)

    def _fail_extraction(self, db, job_id, failure, token=None):
        """Fail the job: with ``token`` only under that lease, without only while no live lease holds it."""
        now = utcnow()
        ours = Job.lease_token == token if token else unheld(Job, now)
        moved = db.execute(
            update(Job)
            .where(Job.id == job_id, Job.status.in_((JobStatus.QUEUED, JobStatus.PROCESSING)), ours)
            .values(
                status=JobStatus.FAILED,
                step=Step.FINISHED,
                error_message=failure.message,
                error_code=failure.code,
                finished_at=now,
                **NO_LEASE,
            )
        ).rowcount
        if moved:
            db.execute(JobUpload.__table__.delete().where(JobUpload.job_id == job_id))
            log.info("Job %s failed at extraction (%s): %s", job_id, failure.code, failure.message)
            job = db.get(Job, job_id, populate_existing=True)
            record_job_end(db, job, HistoryService(db), self.credits_of)

    @staticmethod
    def _waiting_chunk_ids(db, job_id):
        return db.scalars(
            select(JobChunk.id)
            .where(JobChunk.job_id == job_id, JobChunk.status == ChunkStatus.PENDING)
            .order_by(JobChunk.position)
        ).all()

    # Normalisation

    def _hash(self, rewriting, sentences):
        return content_hash(
            self.normalizer.cache_key,
            rewriting.limit,
            sentences,
            model=rewriting.model,
            options_key=rewriting.options.key,
        )

    def normalize_chunk(self, chunk_id):
        """Normalise one chunk under a lease and record the outcome; finish the job if it was the last."""
        token = new_token()
        with self._transaction() as (_, db):
            claim = self._claim(db, chunk_id, token)
            if claim is None:
                return
            key = self._hash(claim.rewriting, claim.sentences)
            # Another job (or another chunk of this book) may have rewritten
            # the same text since this chunk was extracted.
            known = self.results.lookup(db, key)
            if known is not None:
                settle_chunk(
                    db,
                    chunk_id,
                    claim.job_id,
                    known.sentences,
                    None,
                    sources=known.sources,
                    lease_token=token,
                    credits_of=self.credits_of,
                )
        if known is not None:
            announce(self.registry, claim.job_id)
            return
        try:
            with self.leases.holding(JobChunk, token):
                # The model may think for a while: followers hear from the job meanwhile.
                with announcing_every(self.registry, claim.job_id, self.leases.timings.heartbeat_seconds):
                    started = time.perf_counter()
                    output, sources, usage, failure = self._normalize(chunk_id, claim)
                    observe_chunk(
                        self.normalizer.name, "done" if failure is None else "failed", time.perf_counter() - started
                    )
                with self._transaction() as (_, db):
                    settled = settle_chunk(
                        db,
                        chunk_id,
                        claim.job_id,
                        output,
                        failure,
                        sources=sources,
                        usage=usage,
                        lease_token=token,
                        credits_of=self.credits_of,
                    )
                    if settled and failure is None:
                        self.results.remember(db, key, output, sources)
            announce(self.registry, claim.job_id)
            if not settled:
                log.warning(
                    "Chunk %s passed to another worker while this one rewrote it; its output is dropped", chunk_id
                )
        except BaseException:
            # Let the sweeper send the chunk again at once, rather than a lease length later.
            self.leases.release(JobChunk, token)
            raise

    def _normalize(self, chunk_id, claim):
        """``(output, sources, usage, None)``, or ``(None, None, NO_USAGE, failure)`` when the normaliser failed."""
        rewriting = claim.rewriting
        try:
            result = self.normalizer.rewrite(claim.sentences, rewriting.limit, rewriting.options, model=rewriting.model)
            return list(result.sentences), list(result.sources), result.usage, None
        except UpstreamError as exc:
            return None, None, NO_USAGE, rewriting_failure(exc, chunk_id)
        except Exception:
            # Any other failure of a normaliser plugin fails this chunk alone;
            # the traceback goes to the log, not to the learner.
            log.exception("Normaliser %s failed on chunk %s", self.normalizer.name, chunk_id)
            return None, None, NO_USAGE, REWRITER_CRASHED

    def _claim(self, db, chunk_id, token):
        """Take the chunk's lease and mark it as being processed; None when there is nothing (more) to do here."""
        chunk = db.get(JobChunk, chunk_id)
        if chunk is None or chunk.status not in UNSETTLED:
            return None  # deleted, or already settled by an earlier delivery
        now = utcnow()
        # The job's row is locked first, as a cancel locks it before the job's
        # chunks: a cancel either came first (the job reads cancelled, the chunk
        # is never sent to the model) or waits for this claim to commit.
        job = db.execute(
            select(Job).where(Job.id == chunk.job_id).with_for_update().execution_options(populate_existing=True)
        ).scalar_one()
        # Conditional throughout: another delivery may have settled or taken
        # the chunk since it was read; a settled chunk stays settled, and a
        # chunk another worker holds stays with that worker.
        claimable = (JobChunk.id == chunk_id, JobChunk.status.in_(UNSETTLED), unheld(JobChunk, now))
        if job.status != JobStatus.PROCESSING:
            db.execute(update(JobChunk).where(*claimable).values(status=ChunkStatus.CANCELLED, **NO_LEASE))
            return None
        if chunk.attempts >= MAX_CHUNK_ATTEMPTS:
            settle_chunk(db, chunk_id, job.id, None, too_many_attempts(chunk.attempts), credits_of=self.credits_of)
            return None
        claimed = db.execute(
            update(JobChunk)
            .where(*claimable)
            .values(status=ChunkStatus.PROCESSING, attempts=JobChunk.attempts + 1, **self._lease(token, now))
        ).rowcount
        if not claimed:
            log.info("Chunk %s is held by another worker; this delivery leaves it", chunk_id)
            return None
        return Claim(job.id, list(chunk.input_sentences), Rewriting.of(job))
