"""Credits: the append-only ledger and one balance row per user and month.

Revision ID: a63d662c7680
Revises: a9f409a4b0df
Create Date: 2026-12-02

New tables only: nothing existing is locked or rewritten, and the previous
release, which never reads them, keeps working. The partial unique indexes
(one grant per user and month, one reservation and one closing entry per job)
are written for both dialects; SQLite has had partial indexes since 3.8.
"""

import sqlalchemy as sa
from alembic import op

revision = "a63d662c7680"
down_revision = "a9f409a4b0df"
branch_labels = None
depends_on = None

PARTIAL_UNIQUE_INDEXES = (
    ("uq_credit_entries_monthly_grant", ["user_id", "month"], "reason = 'monthly_grant'"),
    ("uq_credit_entries_job_reserve", ["job_id"], "reason = 'job_reserve'"),
    ("uq_credit_entries_job_closing", ["job_id"], "reason IN ('job_final', 'job_refund')"),
)


def upgrade():
    op.create_table(
        "credit_balances",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("balance >= 0", name=op.f("ck_credit_balances_balance_not_negative")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_credit_balances_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "month", name=op.f("pk_credit_balances")),
    )
    op.create_table(
        "credit_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("delta_credits", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("pricing_version", sa.String(length=32), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_credit_entries_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_entries")),
    )
    op.create_index("ix_credit_entries_user_id_id", "credit_entries", ["user_id", "id"])
    op.create_index("ix_credit_entries_user_id_month_id", "credit_entries", ["user_id", "month", "id"])
    for name, columns, condition in PARTIAL_UNIQUE_INDEXES:
        op.create_index(
            name,
            "credit_entries",
            columns,
            unique=True,
            sqlite_where=sa.text(condition),
            postgresql_where=sa.text(condition),
        )


def downgrade():
    for name, _, _ in reversed(PARTIAL_UNIQUE_INDEXES):
        op.drop_index(name, table_name="credit_entries")
    op.drop_index("ix_credit_entries_user_id_month_id", table_name="credit_entries")
    op.drop_index("ix_credit_entries_user_id_id", table_name="credit_entries")
    op.drop_table("credit_entries")
    op.drop_table("credit_balances")
