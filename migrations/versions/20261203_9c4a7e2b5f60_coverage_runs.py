"""Coverage runs and their assignments (the vocabulary coverage tool).

Revision ID: 9c4a7e2b5f60
Revises: 6d2f9a4e8b13
Create Date: 2026-12-03

Two new tables, which the previous release never reads: ``coverage_runs`` (one
per run, with its learning set) and ``coverage_assignments`` (one row per
listed word covered, or per chosen sentence in filter mode).
"""

import sqlalchemy as sa
from alembic import op

revision = "9c4a7e2b5f60"
down_revision = "6d2f9a4e8b13"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "coverage_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("source_type", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=True),
        sa.Column("source_ids", sa.JSON(), nullable=False),
        sa.Column("wordlist_id", sa.Integer(), nullable=True),
        sa.Column("word_keys", sa.JSON(), nullable=False),
        sa.Column("fold_diacritics", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("progress_percent", sa.Integer(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=True),
        sa.Column("learning_set", sa.JSON(), nullable=True),
        sa.Column("uncovered", sa.JSON(), nullable=True),
        sa.Column("credits_charged", sa.Integer(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("celery_task_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_coverage_runs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_runs")),
        # Never reuse a deleted run's id on SQLite: it names the run's charge in the ledger.
        sqlite_autoincrement=True,
    )
    op.create_index("ix_coverage_runs_user_id_created_at_id", "coverage_runs", ["user_id", "created_at", "id"])
    op.create_table(
        "coverage_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("word_key", sa.String(length=255), nullable=False),
        sa.Column("word_original", sa.String(length=255), nullable=True),
        sa.Column("lemma", sa.String(length=255), nullable=True),
        sa.Column("matched_surface", sa.String(length=255), nullable=True),
        sa.Column("sentence_index", sa.Integer(), nullable=True),
        sa.Column("sentence_text", sa.Text(), nullable=False),
        sa.Column("sentence_score", sa.Float(), nullable=True),
        sa.Column("source_id", sa.String(length=36), nullable=True),
        sa.Column("manual_edit", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["coverage_runs.id"],
            name=op.f("fk_coverage_assignments_run_id_coverage_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_assignments")),
        sa.UniqueConstraint("run_id", "word_key", name=op.f("uq_coverage_assignments_run_id")),
    )


def downgrade():
    op.drop_table("coverage_assignments")
    op.drop_index("ix_coverage_runs_user_id_created_at_id", table_name="coverage_runs")
    op.drop_table("coverage_runs")
