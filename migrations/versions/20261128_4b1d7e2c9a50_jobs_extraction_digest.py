"""A job's extraction digest, so an upload of the same bytes reuses its chunks instead of reading the PDF again.

Revision ID: 4b1d7e2c9a50
Revises: 03730ca97b8f
Create Date: 2026-11-28

The column is nullable with no default, so adding it does not rewrite jobs on
PostgreSQL, and the previous release (which never writes it) keeps working:
its jobs simply never serve as a source. On PostgreSQL the index is built
CONCURRENTLY, outside a transaction, so jobs keep being written while it
builds; an INVALID index left by a failed build is dropped first.
"""

import sqlalchemy as sa
from alembic import op

revision = "4b1d7e2c9a50"
down_revision = "03730ca97b8f"
branch_labels = None
depends_on = None

INDEX_NAME = "ix_jobs_extraction_digest"


def upgrade():
    op.add_column("jobs", sa.Column("extraction_digest", sa.String(length=64), nullable=True))
    if op.get_context().dialect.name != "postgresql":
        op.create_index(INDEX_NAME, "jobs", ["extraction_digest"])
        return
    with op.get_context().autocommit_block():
        _drop_invalid_index(INDEX_NAME)
        op.create_index(INDEX_NAME, "jobs", ["extraction_digest"], postgresql_concurrently=True, if_not_exists=True)


def downgrade():
    op.drop_index(INDEX_NAME, table_name="jobs")
    # SQLite (3.35+) drops a column in place, so no batch rebuild is needed.
    op.drop_column("jobs", "extraction_digest")


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
