"""Indexes on history for the job link and for "this user's history, newest first".

Revision ID: 2616441a8e6a
Revises: 05054374d40e
Create Date: 2026-11-28

history is the one big table of an existing deployment. On PostgreSQL the
indexes are built CONCURRENTLY (outside a transaction), so the application keeps
writing while they build. A concurrent build that failed leaves an INVALID index
behind; it is dropped first, so running the upgrade again repairs it.

A database made by the Flask version's own 6deaf3110825 never got two of the
indexes the legacy schema has (on timestamp and original_filename); they are
built here the same way where missing, and belong to the legacy schema, so the
downgrade keeps them.
"""

import sqlalchemy as sa
from alembic import op

revision = "2616441a8e6a"
down_revision = "05054374d40e"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_history_job_id": ["job_id"],
    "ix_history_user_id_timestamp_id": ["user_id", "timestamp", "id"],
}
LEGACY_INDEXES_SOMETIMES_MISSING = {
    "ix_history_timestamp": ["timestamp"],
    "ix_history_original_filename": ["original_filename"],
}


def upgrade():
    if op.get_context().dialect.name != "postgresql":
        for name, columns in INDEXES.items():
            op.create_index(name, "history", columns)
        for name, columns in LEGACY_INDEXES_SOMETIMES_MISSING.items():
            op.create_index(name, "history", columns, if_not_exists=True)
        return
    with op.get_context().autocommit_block():
        for name, columns in {**INDEXES, **LEGACY_INDEXES_SOMETIMES_MISSING}.items():
            _drop_invalid_index(name)
            op.create_index(
                name,
                "history",
                columns,
                postgresql_concurrently=True,
                if_not_exists=True,
            )


def downgrade():
    for name in reversed(list(INDEXES)):
        op.drop_index(name, table_name="history")


def _drop_invalid_index(name):
    if op.get_context().as_sql:
        return  # An offline script cannot look; whoever runs it sees any failure.
    invalid = op.get_bind().execute(
        sa.text(
            "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = :name AND NOT i.indisvalid"
        ),
        {"name": name},
    )
    if invalid.first() is not None:
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
