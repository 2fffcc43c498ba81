"""Results of normalised chunks, reused for any later chunk with the same text.

Revision ID: 03730ca97b8f
Revises: 01e83414054f
Create Date: 2026-11-28

A new table only: nothing existing is locked or rewritten, and the previous
release, which never reads it, keeps working.
"""

import sqlalchemy as sa
from alembic import op

revision = "03730ca97b8f"
down_revision = "01e83414054f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "chunk_results",
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("output_sentences", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("content_hash", name=op.f("pk_chunk_results")),
    )


def downgrade():
    op.drop_table("chunk_results")
