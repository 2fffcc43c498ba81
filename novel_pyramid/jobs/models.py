"""Processing jobs: one per upload, split into chunks that are normalised independently.

Also the results of normalised chunks, kept for any later chunk with the same text.
"""

import datetime
import enum

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from novel_pyramid.db import ModelBase
from novel_pyramid.db.types import new_uuid, utcnow


class JobStatus(enum.StrEnum):
    # Confirmed with a reservation of credits; no upload yet, so no task either.
    AWAITING_UPLOAD = "awaiting_upload"
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self):
        return self in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


class ChunkStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Job(ModelBase):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_user_id_status", "user_id", "status"),
        Index("ix_jobs_user_id_created_at_id", "user_id", "created_at", "id"),
        Index("ix_jobs_extraction_digest", "extraction_digest"),
        # The sweepers of every worker look for extractions whose lease expired.
        Index("ix_jobs_status_lease_expires_at", "status", "lease_expires_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED)
    # What the job is doing now: extracting, normalizing, assembling, finished.
    step: Mapped[str] = mapped_column(String(32), default="queued")
    original_filename: Mapped[str | None] = mapped_column(String(255))
    sentence_length_limit: Mapped[int] = mapped_column(Integer)
    normalizer: Mapped[str] = mapped_column(String(64))
    chunks_total: Mapped[int] = mapped_column(Integer, default=0)
    chunks_done: Mapped[int] = mapped_column(Integer, default=0)
    chunks_failed: Mapped[int] = mapped_column(Integer, default=0)
    sentences_count: Mapped[int | None] = mapped_column(Integer)
    # Why it failed or was cancelled, in our own words, and as a stable code (``jobs.failures``).
    error_message: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    # ``pipeline.extraction_digest`` of the upload, set once its extraction has
    # stored every chunk: a later upload of the same bytes copies those chunks.
    extraction_digest: Mapped[str | None] = mapped_column(String(64))
    # The extraction's lease (``jobs.leases``): held by the worker extracting
    # the upload, renewed by its heartbeat, checked on every write it makes.
    lease_token: Mapped[str | None] = mapped_column(String(32))
    lease_expires_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    # What a confirmed job reserved (``credits``): None for a job submitted without a reservation.
    estimated_credits: Mapped[int | None] = mapped_column(Integer)
    model: Mapped[str | None] = mapped_column(String(64))
    pricing_version: Mapped[str | None] = mapped_column(String(32))
    processing_settings: Mapped[dict | None] = mapped_column(JSON)
    # What the model used, summed over the chunks as they settle: the settlement's measure.
    input_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    output_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    model_calls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Tokens used since the current reservation was made (a retry reserves again).
    round_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The broker's id of the job's extraction task.
    task_id: Mapped[str | None] = mapped_column(String(64))

    chunks: Mapped[list["JobChunk"]] = relationship(
        back_populates="job",
        order_by="JobChunk.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    upload: Mapped["JobUpload | None"] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    @property
    def progress_percent(self):
        if self.status == JobStatus.COMPLETED:
            return 100
        # While a book is being extracted its chunk count still grows, so a
        # ratio would move backwards; progress is counted once it is known.
        if not self.chunks_total or self.step == "extracting":
            return 0
        return int(100 * self.chunks_done / self.chunks_total)


class JobUpload(ModelBase):
    """The uploaded PDF, kept in the database until a worker has extracted it.

    Storing it here (rather than on a disk) lets web and worker processes run on
    different machines with nothing shared but the database.
    """

    __tablename__ = "job_uploads"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))


class JobChunk(ModelBase):
    __tablename__ = "job_chunks"
    __table_args__ = (
        UniqueConstraint("job_id", "position"),
        # The sweepers of every worker look for processing chunks whose lease expired.
        Index("ix_job_chunks_status_lease_expires_at", "status", "lease_expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=ChunkStatus.PENDING)
    input_sentences: Mapped[list] = mapped_column(JSON)
    output_sentences: Mapped[list | None] = mapped_column(JSON)
    # For each output sentence, the position in ``input_sentences`` of the sentence it came from.
    output_sources: Mapped[list | None] = mapped_column(JSON)
    # The pages of the book the chunk's sentences were read from (1-based, inclusive).
    start_page: Mapped[int | None] = mapped_column(Integer)
    end_page: Mapped[int | None] = mapped_column(Integer)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    output_tokens: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    model_calls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    settled_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error_message: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # The lease of the worker normalising the chunk (``jobs.leases``); none while it waits.
    lease_token: Mapped[str | None] = mapped_column(String(32))
    lease_expires_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)

    job: Mapped[Job] = relationship(back_populates="chunks")


class ChunkResult(ModelBase):
    """A normalised chunk, reused by every later chunk with the same content hash.

    The hash covers the input text and everything else that shapes the output
    (``jobs.reuse.content_hash``), so a row is only ever found by someone who
    holds the identical text. Nothing names the user or the upload, and the
    input text itself is not kept. Rows are written once and never change.
    """

    __tablename__ = "chunk_results"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    output_sentences: Mapped[list] = mapped_column(JSON)
    output_sources: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
