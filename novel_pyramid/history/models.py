"""History of processed uploads. Columns follow the legacy schema (docs/upgrading.md) plus a job link."""

import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from novel_pyramid.db import ModelBase
from novel_pyramid.db.types import utcnow

FILENAME_MAX_LENGTH = 128
SPREADSHEET_URL_MAX_LENGTH = 256
ERROR_MESSAGE_MAX_LENGTH = 512
ERROR_CODE_MAX_LENGTH = 32


class HistoryEntry(ModelBase):
    __tablename__ = "history"
    __table_args__ = (
        # Serves "this user's history, newest first" and its keyset pages.
        Index("ix_history_user_id_timestamp_id", "user_id", "timestamp", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    timestamp: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    original_filename: Mapped[str | None] = mapped_column(String(FILENAME_MAX_LENGTH), index=True)
    processed_sentences_count: Mapped[int | None] = mapped_column(Integer)
    spreadsheet_url: Mapped[str | None] = mapped_column(String(SPREADSHEET_URL_MAX_LENGTH))
    error_message: Mapped[str | None] = mapped_column(String(ERROR_MESSAGE_MAX_LENGTH))
    job_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"), index=True)
    # The settings the job ran with: {sentence_length, gemini_model, advanced_options}.
    settings: Mapped[dict | None] = mapped_column(JSON)
    error_code: Mapped[str | None] = mapped_column(String(ERROR_CODE_MAX_LENGTH))
    # Where a failed job stopped: upload, extract, analyze, normalize or export.
    failed_step: Mapped[str | None] = mapped_column(String(16))
    # The result as [{normalized, original}], kept so it outlives the job's chunks; loaded only by the detail.
    sentences: Mapped[list | None] = deferred(mapped_column(JSON))
