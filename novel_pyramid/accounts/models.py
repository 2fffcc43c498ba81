"""Users and their settings. Column types and names follow the legacy (Flask) schema."""

import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from novel_pyramid.db import ModelBase
from novel_pyramid.db.types import utcnow

DEFAULT_SENTENCE_LENGTH_LIMIT = 8
MIN_SENTENCE_LENGTH_LIMIT = 3
MAX_SENTENCE_LENGTH_LIMIT = 50
MAX_FOLDER_ID_LENGTH = 255
MAX_SHEET_NAME_PATTERN_LENGTH = 255


class User(ModelBase):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True, index=True)
    name: Mapped[str | None] = mapped_column(String(255))
    picture: Mapped[str | None] = mapped_column(String(512))
    google_id: Mapped[str | None] = mapped_column(String(255), unique=True, index=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    last_login: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    google_access_token: Mapped[str | None] = mapped_column(Text)
    google_refresh_token: Mapped[str | None] = mapped_column(Text)
    google_token_expiry: Mapped[datetime.datetime | None] = mapped_column(DateTime)

    settings: Mapped["UserSettings | None"] = relationship(
        back_populates="user", uselist=False, cascade="all, delete-orphan"
    )

    @property
    def has_sheets_access(self):
        return bool(self.google_refresh_token or self.google_access_token)

    def __repr__(self):
        return f"<User {self.id}>"


class UserSettings(ModelBase):
    __tablename__ = "user_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    sentence_length_limit: Mapped[int] = mapped_column(Integer, default=DEFAULT_SENTENCE_LENGTH_LIMIT)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Where an export goes, and what it is called, when the export does not say.
    default_folder_id: Mapped[str | None] = mapped_column(String(MAX_FOLDER_ID_LENGTH))
    default_sheet_name_pattern: Mapped[str | None] = mapped_column(String(MAX_SHEET_NAME_PATTERN_LENGTH))
    # The word list the coverage tool starts from.
    default_wordlist_id: Mapped[int | None] = mapped_column(Integer)

    user: Mapped[User] = relationship(back_populates="settings")
