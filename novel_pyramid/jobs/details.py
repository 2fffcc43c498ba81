"""A job's details as its history entry shows them: chunks, sentence pairs, retry and refresh (``IJobDetails``).

A pair is an output sentence with the input sentence it was rewritten from.
A chunk's ``output_sources`` says which input each output came from; chunks
written before the normalisers reported that are paired one to one when they
kept as many sentences as they read, and with an empty original otherwise.
"""

import dataclasses

from pyramid.request import Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from zope.interface import implementer

from novel_pyramid.db.types import isoformat
from novel_pyramid.errors import Conflict, NotFound
from novel_pyramid.history.interfaces import IHistoryService
from novel_pyramid.history.models import HistoryEntry
from novel_pyramid.history.serializers import history_json
from novel_pyramid.jobs.detail_interfaces import IJobDetails
from novel_pyramid.jobs.failures import CANCELLED
from novel_pyramid.jobs.interfaces import IJobService
from novel_pyramid.jobs.models import ChunkStatus, Job, JobChunk, JobStatus
from novel_pyramid.jobs.runner import MAX_CHUNK_ATTEMPTS

SNAPSHOT = "snapshot"
LIVE_CHUNKS = "live_chunks"


def _originals(inputs, outputs, sources):
    """For each output sentence, the input sentence it came from ("" when that is not known)."""
    inputs = inputs or []
    if (
        isinstance(sources, list)
        and len(sources) == len(outputs)
        and all(type(source) is int and 0 <= source < len(inputs) for source in sources)
    ):
        return [inputs[source] for source in sources]
    if len(inputs) == len(outputs):
        return list(inputs)
    return [""] * len(outputs)


def chunk_pairs(chunk):
    """``[{"normalized", "original"}]`` of one chunk (nothing while it has no output)."""
    outputs = chunk.output_sentences or []
    originals = _originals(chunk.input_sentences, outputs, chunk.output_sources)
    pairs = zip(outputs, originals, strict=True)
    return [{"normalized": sentence, "original": original} for sentence, original in pairs]


def pairs_of_chunks(chunks):
    return [pair for chunk in chunks for pair in chunk_pairs(chunk)]


def sentence_pairs(db, job_id):
    """Every output sentence of the job with its original, in order: ``[{"normalized", "original"}]``.

    Chunks without output (pending, failed, cancelled) add nothing, so a
    failed job gives the sentences of the parts that were rewritten.
    """
    rows = db.execute(
        select(JobChunk.input_sentences, JobChunk.output_sentences, JobChunk.output_sources)
        .where(JobChunk.job_id == job_id)
        .order_by(JobChunk.position)
    ).all()
    return pairs_of_chunks(rows)


def _job_chunks(db, job_id):
    return db.scalars(select(JobChunk).where(JobChunk.job_id == job_id).order_by(JobChunk.position)).all()


# The frontend's chunk statuses (types.ts ChunkDetail). A cancelled chunk was
# never sent; the frontend has no word for it, so it reads as failed with the
# cancellation as its error.
V1_CHUNK_STATUS = {
    ChunkStatus.PENDING: "pending",
    ChunkStatus.PROCESSING: "processing",
    ChunkStatus.DONE: "success",
    ChunkStatus.FAILED: "failed",
    ChunkStatus.CANCELLED: "failed",
}


def _chunk_error(chunk):
    if chunk.status == ChunkStatus.CANCELLED and chunk.error_code is None:
        return CANCELLED.message, CANCELLED.code
    return chunk.error_message, chunk.error_code


def v1_chunk_json(chunk, job):
    """The frontend's ``ChunkDetail`` of one of ``job``'s chunks."""
    error, code = _chunk_error(chunk)
    known = chunk.start_page is not None and chunk.end_page is not None
    return {
        "id": chunk.id,
        "job_id": job.id,
        "chunk_id": chunk.position,
        # The frontend shows start_page + 1 to end_page + 1: it counts pages
        # from 0, where the chunks store them from 1.
        "start_page": chunk.start_page - 1 if known else None,
        "end_page": chunk.end_page - 1 if known else None,
        "page_count": chunk.end_page - chunk.start_page + 1 if known else None,
        # Chunks split the text at sentence ends: no page is read twice.
        "has_overlap": False,
        "status": V1_CHUNK_STATUS.get(chunk.status, chunk.status),
        "attempts": chunk.attempts,
        "max_retries": MAX_CHUNK_ATTEMPTS,
        "last_error": error,
        "last_error_code": code,
        "processed_at": isoformat(chunk.settled_at),
        # Chunks are written as the job's extraction reads the book.
        "created_at": isoformat(job.started_at or job.created_at),
        "updated_at": isoformat(chunk.updated_at),
    }


def v2_chunk_json(chunk):
    """A chunk in the v2 history entry: our own statuses, pages counted from 1."""
    error, code = _chunk_error(chunk)
    return {
        "id": chunk.id,
        "position": chunk.position,
        "status": chunk.status,
        "first_page": chunk.start_page,
        "last_page": chunk.end_page,
        "sentences_count": len(chunk.output_sentences) if chunk.output_sentences is not None else None,
        "attempts": chunk.attempts,
        "max_attempts": MAX_CHUNK_ATTEMPTS,
        "error": error,
        "error_code": code,
        "settled_at": isoformat(chunk.settled_at),
        "updated_at": isoformat(chunk.updated_at),
    }


@dataclasses.dataclass(frozen=True)
class EntryDetail:
    """A history entry with its sentences (and where they were read: ``SNAPSHOT`` or ``LIVE_CHUNKS``) and chunks."""

    entry: HistoryEntry
    job: Job | None
    chunks: list
    sentences: list
    sentences_source: str


def v1_history_detail_json(detail):
    """The frontend's ``HistoryDetail``."""
    job = detail.job
    return {
        **history_json(detail.entry),
        "sentences": detail.sentences,
        "chunk_ids": [chunk.id for chunk in detail.chunks],
        "chunks": [v1_chunk_json(chunk, job) for chunk in detail.chunks],
        "sentences_source": detail.sentences_source,
    }


@implementer(IJobDetails)
@dataclasses.dataclass
class JobDetails:
    db: Session
    history: IHistoryService
    # The request, to find the job service only when an entry is retried.
    request: Request | None = None

    @classmethod
    def create_service(cls, context, request):
        return cls(request.dbsession, request.find_service(IHistoryService), request)

    def _job(self, user_id, job_id):
        job = self.db.scalar(select(Job).where(Job.id == job_id, Job.user_id == user_id))
        if job is None:
            raise NotFound("Job not found")
        return job

    def chunks(self, user_id, job_id):
        return _job_chunks(self.db, self._job(user_id, job_id).id)

    def pairs(self, user_id, job_id):
        return sentence_pairs(self.db, self._job(user_id, job_id).id)

    def _entry_and_job(self, user_id, entry_id):
        entry = self.history.get(user_id, entry_id)
        job = None
        if entry.job_id is not None:
            job = self.db.scalar(select(Job).where(Job.id == entry.job_id, Job.user_id == user_id))
        return entry, job

    def _detail(self, entry, job):
        chunks = _job_chunks(self.db, job.id) if job is not None else []
        if entry.sentences is not None:
            return EntryDetail(entry, job, chunks, entry.sentences, SNAPSHOT)
        if job is not None:
            return EntryDetail(entry, job, chunks, pairs_of_chunks(chunks), LIVE_CHUNKS)
        return EntryDetail(entry, None, [], [], SNAPSHOT)

    def entry_detail(self, user_id, entry_id):
        return self._detail(*self._entry_and_job(user_id, entry_id))

    def entry_sentences(self, user_id, entry_id):
        entry, job = self._entry_and_job(user_id, entry_id)
        if entry.sentences is not None:
            return entry.sentences, SNAPSHOT
        if job is not None:
            return sentence_pairs(self.db, job.id), LIVE_CHUNKS
        return [], SNAPSHOT

    def refresh_entry(self, user_id, entry_id):
        entry, job = self._entry_and_job(user_id, entry_id)
        if job is None:
            raise Conflict(
                "The job of this entry was deleted, so there are no parts to rebuild its sentences from; "
                "the sentences saved with the entry are kept."
            )
        if not JobStatus(job.status).is_final:
            raise Conflict("The job of this entry is still running; refresh it once the job has ended.")
        self.history.store_snapshot(entry, sentence_pairs(self.db, job.id))
        return self._detail(entry, job)

    def retry_entry(self, user_id, entry_id):
        entry, job = self._entry_and_job(user_id, entry_id)
        if job is None:
            raise Conflict("The job of this entry was deleted; upload the PDF again to process it.")
        if job.status != JobStatus.FAILED:
            if job.status == JobStatus.COMPLETED:
                raise Conflict("The job of this entry completed; there is nothing to retry.")
            if job.status == JobStatus.CANCELLED:
                raise Conflict("The job of this entry was cancelled; upload the PDF again to process it.")
            raise Conflict("The job of this entry is still running; only a failed job can be retried.")
        if not job.chunks_failed:
            raise Conflict(
                "The book of this entry could not be read, so no part of it can be retried; "
                "upload the PDF again (or another file)."
            )
        self.request.find_service(IJobService).retry(user_id, job.id)
        return entry
