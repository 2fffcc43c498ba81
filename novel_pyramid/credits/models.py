"""The credits ledger: append-only entries, and one balance row per user and month.

An entry is never changed or deleted once written (a user's deletion aside):
the balance of a month is the sum of its entries. ``credit_balances`` holds that
sum as well, for one reason: its row is what concurrent writers lock, so that a
reservation checks and takes the balance in one statement (``credits.services``).
Its primary key makes the month's grant a single row per user and month.
"""

import datetime
import enum

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from novel_pyramid.db import ModelBase
from novel_pyramid.db.types import utcnow

# "2026-12": the calendar month (UTC) an entry belongs to.
MONTH_LENGTH = 7


class Reason(enum.StrEnum):
    MONTHLY_GRANT = "monthly_grant"
    JOB_RESERVE = "job_reserve"
    JOB_FINAL = "job_final"
    JOB_REFUND = "job_refund"
    ADMIN_ADJUSTMENT = "admin_adjustment"


# The entries that close a job's reservation; each round of a job has at most one of them.
CLOSING_REASONS = (Reason.JOB_FINAL, Reason.JOB_REFUND)
# A job's first billing round; a retry after the round closed opens the next (``reserve_again``).
FIRST_ROUND = 1


def _only(condition):
    """The same partial-index condition for both dialects."""
    return {"sqlite_where": text(condition), "postgresql_where": text(condition)}


class CreditBalance(ModelBase):
    __tablename__ = "credit_balances"
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[str] = mapped_column(String(MONTH_LENGTH), primary_key=True)
    balance: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class CreditEntry(ModelBase):
    __tablename__ = "credit_entries"
    __table_args__ = (
        Index("ix_credit_entries_user_id_month_id", "user_id", "month", "id"),
        Index("ix_credit_entries_user_id_id", "user_id", "id"),
        # What the service checks under its lock, guaranteed by the database too:
        # one grant per user and month, one reservation and one closing per job and round.
        Index(
            "uq_credit_entries_monthly_grant",
            "user_id",
            "month",
            unique=True,
            **_only("reason = 'monthly_grant'"),
        ),
        Index("uq_credit_entries_job_reserve", "job_id", "round", unique=True, **_only("reason = 'job_reserve'")),
        Index(
            "uq_credit_entries_job_closing",
            "job_id",
            "round",
            unique=True,
            **_only("reason IN ('job_final', 'job_refund')"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(MONTH_LENGTH))
    delta_credits: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    # No foreign key: the ledger keeps a job's entries after the job is deleted.
    job_id: Mapped[str | None] = mapped_column(String(36))
    # A job's billing round: 1, then one more for each retry that reserves again. Other entries keep 1.
    round: Mapped[int] = mapped_column(Integer, default=FIRST_ROUND, server_default=str(FIRST_ROUND))
    pricing_version: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
