"""Credit entries carry a job's billing round; the estimates subsystem keeps what it answered and extracted.

Revision ID: e4f7a9c2d1b3
Revises: c5d2e8a1f3b6
Create Date: 2026-12-02

- ``credit_entries.round``: a retried job reserves again in a new round, so the
  one-reservation and one-closing unique indexes are per job and round. Existing
  entries are round 1 (the server default, added without a table rewrite on
  PostgreSQL).
- ``issued_estimates``: every estimate the server answered, which a confirmation
  must match.
- ``kept_extractions``: the chunks an estimate extracted from a whole book, by
  extraction digest, so the job that follows does not read the PDF again.

The previous release never reads the new tables, and its inserts into
``credit_entries`` get round 1 from the default, so it keeps working during a
rolling upgrade.
"""

import sqlalchemy as sa
from alembic import op

revision = "e4f7a9c2d1b3"
down_revision = "c5d2e8a1f3b6"
branch_labels = None
depends_on = None

JOB_INDEXES = (
    ("uq_credit_entries_job_reserve", "reason = 'job_reserve'"),
    ("uq_credit_entries_job_closing", "reason IN ('job_final', 'job_refund')"),
)


def _partial_unique(name, columns, condition):
    op.create_index(
        name,
        "credit_entries",
        columns,
        unique=True,
        sqlite_where=sa.text(condition),
        postgresql_where=sa.text(condition),
    )


def upgrade():
    op.add_column("credit_entries", sa.Column("round", sa.Integer(), nullable=False, server_default="1"))
    for name, condition in JOB_INDEXES:
        op.drop_index(name, table_name="credit_entries")
        _partial_unique(name, ["job_id", "round"], condition)
    op.create_table(
        "issued_estimates",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("estimated_tokens", sa.Integer(), nullable=False),
        sa.Column("estimated_credits", sa.Integer(), nullable=False),
        sa.Column("model_preference", sa.String(length=16), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("pricing_version", sa.String(length=32), nullable=False),
        sa.Column("estimation_method", sa.String(length=16), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_issued_estimates_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_estimates")),
    )
    op.create_index("ix_issued_estimates_user_id_created_at", "issued_estimates", ["user_id", "created_at"])
    op.create_index("ix_issued_estimates_user_id_content_sha256", "issued_estimates", ["user_id", "content_sha256"])
    op.create_table(
        "kept_extractions",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("chunks", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_kept_extractions")),
    )
    op.create_index("ix_kept_extractions_created_at", "kept_extractions", ["created_at"])


def downgrade():
    op.drop_index("ix_kept_extractions_created_at", table_name="kept_extractions")
    op.drop_table("kept_extractions")
    op.drop_index("ix_issued_estimates_user_id_content_sha256", table_name="issued_estimates")
    op.drop_index("ix_issued_estimates_user_id_created_at", table_name="issued_estimates")
    op.drop_table("issued_estimates")
    for name, _ in JOB_INDEXES:
        op.drop_index(name, table_name="credit_entries")
    # A job's later rounds cannot be told apart without the column: they go with it.
    op.execute("DELETE FROM credit_entries WHERE round > 1")
    op.drop_column("credit_entries", "round")
    for name, condition in JOB_INDEXES:
        _partial_unique(name, ["job_id"], condition)
