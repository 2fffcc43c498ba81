"""What the estimates subsystem keeps: the estimates it answered, and the extraction of whole books it read.

``issued_estimates``: each estimate the server gave a user (of a PDF or of a
text), so that a confirmation can only reserve an amount the server itself
computed, recently, at the current prices. ``kept_extractions``: the chunks an
estimate extracted from a whole book, by extraction digest, so the job that
follows does not read the PDF again (``IExtractionStore``). Both are purged
after ``credits.estimate.keep_days`` (``estimates.services``, ``estimates.store``).
"""

import datetime
import enum

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from novel_pyramid.db import ModelBase
from novel_pyramid.db.types import new_uuid, utcnow

SHA256_HEX_LENGTH = 64


class EstimateSource(enum.StrEnum):
    PDF = "pdf"
    TEXT = "text"


class IssuedEstimate(ModelBase):
    __tablename__ = "issued_estimates"
    __table_args__ = (
        # A confirmation looks for the user's recent estimates; the purge for old ones.
        Index("ix_issued_estimates_user_id_created_at", "user_id", "created_at"),
        # An upload's check looks for the user's estimates of that file.
        Index("ix_issued_estimates_user_id_content_sha256", "user_id", "content_sha256"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(8))
    # SHA-256 of the PDF's bytes, or of the text's UTF-8.
    content_sha256: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH))
    estimated_tokens: Mapped[int] = mapped_column(Integer)
    estimated_credits: Mapped[int] = mapped_column(Integer)
    model_preference: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(64))
    pricing_version: Mapped[str] = mapped_column(String(32))
    estimation_method: Mapped[str] = mapped_column(String(16))
    page_count: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)


class KeptExtraction(ModelBase):
    __tablename__ = "kept_extractions"
    __table_args__ = (Index("ix_kept_extractions_created_at", "created_at"),)

    # pipeline.extraction_digest of the upload and the settings that shaped its chunks.
    digest: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH), primary_key=True)
    chunk_count: Mapped[int] = mapped_column(Integer)
    # [{"sentences": [...], "start_page": n, "end_page": m}, ...], in order; a book's text, read only by chunks().
    chunks: Mapped[list] = deferred(mapped_column(JSON, nullable=False))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
