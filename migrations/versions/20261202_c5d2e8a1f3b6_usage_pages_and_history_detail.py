"""Jobs and chunks record the model tokens they used and the pages they cover; history entries their detail.

Revision ID: c5d2e8a1f3b6
Revises: b7c4e1f0a2d9
Create Date: 2026-12-02

- ``jobs``: tokens read and written and model calls, summed over its chunks
  (the settlement's measure); ``round_tokens``, the tokens used since the job's
  current reservation was made (a retry reserves again); the broker task id.
- ``job_chunks``: the pages a chunk covers, which input sentence each output
  sentence came from (``output_sources``), its own tokens and calls, when it settled.
- ``chunk_results``: the stored result's source mapping too.
- ``history``: the settings a job ran with, its error code, the step it
  failed at, and a snapshot of its sentence pairs.

Counters are NOT NULL with a server default of 0, which PostgreSQL adds
without rewriting the table; the rest are nullable. The previous release
never reads them, so it keeps working during a rolling upgrade.
"""

import sqlalchemy as sa
from alembic import op

revision = "c5d2e8a1f3b6"
down_revision = "b7c4e1f0a2d9"
branch_labels = None
depends_on = None


def _counter(name):
    return sa.Column(name, sa.Integer(), nullable=False, server_default="0")


COLUMNS = {
    "jobs": (
        _counter("input_tokens"),
        _counter("output_tokens"),
        _counter("model_calls"),
        _counter("round_tokens"),
        sa.Column("task_id", sa.String(length=64), nullable=True),
    ),
    "job_chunks": (
        sa.Column("start_page", sa.Integer(), nullable=True),
        sa.Column("end_page", sa.Integer(), nullable=True),
        sa.Column("output_sources", sa.JSON(), nullable=True),
        _counter("input_tokens"),
        _counter("output_tokens"),
        _counter("model_calls"),
        sa.Column("settled_at", sa.DateTime(), nullable=True),
    ),
    "chunk_results": (sa.Column("output_sources", sa.JSON(), nullable=True),),
    "history": (
        sa.Column("settings", sa.JSON(), nullable=True),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("failed_step", sa.String(length=16), nullable=True),
        sa.Column("sentences", sa.JSON(), nullable=True),
    ),
}


def upgrade():
    for table, columns in COLUMNS.items():
        for column in columns:
            op.add_column(table, column)


def downgrade():
    # SQLite (3.35+) drops a column in place, so no batch rebuild is needed.
    for table, columns in reversed(COLUMNS.items()):
        for column in reversed(columns):
            op.drop_column(table, column.name)
