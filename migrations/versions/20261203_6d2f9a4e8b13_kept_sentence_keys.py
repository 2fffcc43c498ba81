"""Kept sentence keys: the word keys of a text's sentences, computed once for the coverage runs.

Revision ID: 6d2f9a4e8b13
Revises: 3b8e5d71c2a4
Create Date: 2026-12-03

- ``kept_sentence_keys``: by the digest of a text's sentences (with the keying
  and model versions), each sentence's words as zlib-compressed JSON; purged
  after ``coverage.sentence_keys.keep_days`` without use
  (``ix_kept_sentence_keys_last_used_at``).

A new table the previous release never reads, so a rolling upgrade is safe.
"""

import sqlalchemy as sa
from alembic import op

revision = "6d2f9a4e8b13"
down_revision = "3b8e5d71c2a4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kept_sentence_keys",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("sentence_count", sa.Integer(), nullable=False),
        sa.Column("words", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_kept_sentence_keys")),
    )
    op.create_index("ix_kept_sentence_keys_last_used_at", "kept_sentence_keys", ["last_used_at"])


def downgrade():
    op.drop_index("ix_kept_sentence_keys_last_used_at", table_name="kept_sentence_keys")
    op.drop_table("kept_sentence_keys")
