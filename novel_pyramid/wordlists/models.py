"""The word lists: a user's own, and the global ones every user can read (the shipped French 2K among them).

A list keeps its normalised keys (``word_keys``, sorted, distinct), never the
raw entries: what the coverage runs compare with a text's lemmas. What its
ingestion found besides (duplicates, entries that are no word) is kept with
it, counted in full and listed up to ``REPORTED_ITEMS``, so the answers can
report it at any time. A global list has no owner; at most one is the default
(``uq_word_lists_global_default``), which is what makes installing the shipped
list safe when two processes do it at once.
"""

import datetime
import enum

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from novel_pyramid.db import ModelBase
from novel_pyramid.db.types import utcnow

NAME_MAX_LENGTH = 255
SOURCE_REF_MAX_LENGTH = 2048
SAMPLE_SIZE = 20
# How many duplicates and junk entries a list keeps by name; the counts are always complete.
REPORTED_ITEMS = 200


class SourceType(enum.StrEnum):
    MANUAL = "manual"
    CSV = "csv"
    GOOGLE_SHEET = "google_sheet"


SOURCE_TYPES = tuple(source.value for source in SourceType)


# The condition of the one-default index; an upsert's conflict target repeats it word for word.
DEFAULT_CONDITION = "is_global_default"


def _only(condition):
    """The same partial-index condition for both dialects."""
    return {"sqlite_where": text(condition), "postgresql_where": text(condition)}


class WordList(ModelBase):
    __tablename__ = "word_lists"
    __table_args__ = (
        CheckConstraint("source_type IN ('manual', 'csv', 'google_sheet')", name="source_type"),
        # The default is a global list.
        CheckConstraint("NOT is_global_default OR owner_user_id IS NULL", name="default_is_global"),
        Index("ix_word_lists_owner_user_id_created_at", "owner_user_id", "created_at"),
        Index("uq_word_lists_global_default", "is_global_default", unique=True, **_only(DEFAULT_CONDITION)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Null: a global list, read by every user and changed by nobody through the API.
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    source_type: Mapped[str] = mapped_column(String(16))
    # A file's name, or a Google spreadsheet's id (what a refresh reads again).
    source_ref: Mapped[str | None] = mapped_column(Text)
    # Deferred: listing lists never loads their keys, which can be 50,000 long.
    word_keys: Mapped[list] = mapped_column(JSON, deferred=True)
    normalized_count: Mapped[int] = mapped_column(Integer)
    canonical_samples: Mapped[list] = mapped_column(JSON)
    # Entries read (variants counted apart), and what did not become a new key.
    original_count: Mapped[int] = mapped_column(Integer)
    duplicate_count: Mapped[int] = mapped_column(Integer)
    junk_count: Mapped[int] = mapped_column(Integer)
    # [{"word", "normalized"}] and [{"word", "issue", "line"}], each at most REPORTED_ITEMS long.
    duplicates: Mapped[list] = mapped_column(JSON)
    junk: Mapped[list] = mapped_column(JSON)
    fold_diacritics: Mapped[bool] = mapped_column(Boolean, default=False)
    is_global_default: Mapped[bool] = mapped_column(Boolean, default=False)
    # A global list's version; installing a newer shipped list updates the row in place.
    version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_global(self):
        return self.owner_user_id is None
