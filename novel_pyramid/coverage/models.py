"""Coverage runs and the word-to-sentence assignments they produce.

A run keeps the word keys it set out to cover (``word_keys``), so its results,
its diagnosis and its swaps still make sense after its word list is edited or
deleted. Its learning set (the chosen sentences, in order) is kept on the run;
each assignment says which of them covers one listed word.
"""

import datetime
import enum

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from novel_pyramid.db import ModelBase
from novel_pyramid.db.types import utcnow

# A job id (a UUID) or a history entry's id, written as text.
SOURCE_ID_LENGTH = 36
WORD_LENGTH = 255


class RunMode(enum.StrEnum):
    COVERAGE = "coverage"
    FILTER = "filter"
    BATCH = "batch"


class SourceType(enum.StrEnum):
    JOB = "job"
    HISTORY = "history"


class RunStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self):
        return self in (RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED)


class RunStep(enum.StrEnum):
    QUEUED = "queued"
    READING = "reading"
    KEYING = "keying"
    COVERING = "covering"
    WRITING = "writing"
    FINISHED = "finished"


class CoverageRun(ModelBase):
    __tablename__ = "coverage_runs"
    __table_args__ = (
        Index("ix_coverage_runs_user_id_created_at_id", "user_id", "created_at", "id"),
        # A run's id names its charge in the ledger, so SQLite must never hand a deleted run's id out again.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(16))
    source_type: Mapped[str] = mapped_column(String(16))
    # The first (in batch mode) or only source; ``source_ids`` lists every one, in corpus order.
    source_id: Mapped[str | None] = mapped_column(String(SOURCE_ID_LENGTH))
    source_ids: Mapped[list] = mapped_column(JSON)
    # No foreign key: the word list belongs to the wordlists subsystem and may go; the run keeps its keys.
    wordlist_id: Mapped[int | None] = mapped_column(Integer)
    word_keys: Mapped[list] = mapped_column(JSON)
    fold_diacritics: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.PENDING)
    step: Mapped[str] = mapped_column(String(16), default=RunStep.QUEUED)
    progress_percent: Mapped[int] = mapped_column(Integer, default=0)
    config: Mapped[dict] = mapped_column(JSON)
    stats: Mapped[dict | None] = mapped_column(JSON)
    learning_set: Mapped[list | None] = mapped_column(JSON)
    # {word key: why it was missed} for every listed word left uncovered (``diagnosis``).
    uncovered: Mapped[dict | None] = mapped_column(JSON)
    credits_charged: Mapped[int] = mapped_column(Integer, default=0)
    error_message: Mapped[str | None] = mapped_column(Text)
    celery_task_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)


class CoverageAssignment(ModelBase):
    """One listed word and the sentence of the corpus chosen for it (filter mode: one row per chosen sentence)."""

    __tablename__ = "coverage_assignments"
    __table_args__ = (UniqueConstraint("run_id", "word_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("coverage_runs.id", ondelete="CASCADE"))
    word_key: Mapped[str] = mapped_column(String(WORD_LENGTH))
    word_original: Mapped[str | None] = mapped_column(String(WORD_LENGTH))
    lemma: Mapped[str | None] = mapped_column(String(WORD_LENGTH))
    matched_surface: Mapped[str | None] = mapped_column(String(WORD_LENGTH))
    # The sentence's place in the run's corpus (its sources' sentences one after another).
    sentence_index: Mapped[int | None] = mapped_column(Integer)
    sentence_text: Mapped[str] = mapped_column(Text)
    sentence_score: Mapped[float | None] = mapped_column(Float)
    source_id: Mapped[str | None] = mapped_column(String(SOURCE_ID_LENGTH))
    manual_edit: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
