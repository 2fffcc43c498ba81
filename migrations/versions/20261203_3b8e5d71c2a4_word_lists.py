"""Word lists: each user's own and the global ones, as normalised keys.

Revision ID: 3b8e5d71c2a4
Revises: e4f7a9c2d1b3
Create Date: 2026-12-03

- ``word_lists``: a list's keys and what its ingestion counted; at most one
  global default (``uq_word_lists_global_default``, a partial unique index,
  which makes installing the shipped French 2K list safe under concurrency).

A new table the previous release never reads, so a rolling upgrade is safe.
The shipped list is installed by ``novel-pyramid db upgrade`` after the
migrations (``novel-pyramid wordlists install-default``), not here: its data
belongs to the package's version, not to the schema's.
"""

import sqlalchemy as sa
from alembic import op

revision = "3b8e5d71c2a4"
down_revision = "e4f7a9c2d1b3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "word_lists",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("source_type", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.Text(), nullable=True),
        sa.Column("word_keys", sa.JSON(), nullable=False),
        sa.Column("normalized_count", sa.Integer(), nullable=False),
        sa.Column("canonical_samples", sa.JSON(), nullable=False),
        sa.Column("original_count", sa.Integer(), nullable=False),
        sa.Column("duplicate_count", sa.Integer(), nullable=False),
        sa.Column("junk_count", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.JSON(), nullable=False),
        sa.Column("junk", sa.JSON(), nullable=False),
        sa.Column("fold_diacritics", sa.Boolean(), nullable=False),
        sa.Column("is_global_default", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("source_type IN ('manual', 'csv', 'google_sheet')", name=op.f("ck_word_lists_source_type")),
        sa.CheckConstraint(
            "NOT is_global_default OR owner_user_id IS NULL", name=op.f("ck_word_lists_default_is_global")
        ),
        sa.ForeignKeyConstraint(
            ["owner_user_id"], ["users.id"], name=op.f("fk_word_lists_owner_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_word_lists")),
    )
    op.create_index("ix_word_lists_owner_user_id_created_at", "word_lists", ["owner_user_id", "created_at"])
    op.create_index(
        "uq_word_lists_global_default",
        "word_lists",
        ["is_global_default"],
        unique=True,
        sqlite_where=sa.text("is_global_default"),
        postgresql_where=sa.text("is_global_default"),
    )


def downgrade():
    op.drop_index("uq_word_lists_global_default", table_name="word_lists")
    op.drop_index("ix_word_lists_owner_user_id_created_at", table_name="word_lists")
    op.drop_table("word_lists")
