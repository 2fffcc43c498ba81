"""Sign-in sessions: one row per refresh-token family, the token itself stored only as a hash."""

import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from novel_pyramid.accounts.models import User
from novel_pyramid.db import ModelBase
from novel_pyramid.db.types import new_uuid, utcnow


class AuthSession(ModelBase):
    __tablename__ = "auth_sessions"
    __table_args__ = (Index("ix_auth_sessions_user_id_revoked_at", "user_id", "revoked_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # SHA-256 of the current refresh token; rotation replaces it, so an older
    # token of the same session no longer matches and is recognised as reuse
    # (the one just replaced only once the reuse interval has passed).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token the last rotation replaced, and when: presented again within
    # the reuse interval it is a sibling request of that rotation, not a copy.
    previous_token_hash: Mapped[str | None] = mapped_column(String(64))
    rotated_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(32))
    user_agent: Mapped[str | None] = mapped_column(String(256))
    ip_address: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship()

    @property
    def is_active(self):
        return self.revoked_at is None and self.expires_at > utcnow()
