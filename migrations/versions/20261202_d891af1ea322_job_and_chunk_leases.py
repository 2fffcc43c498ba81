"""Leases on jobs (their extraction) and chunks: the worker running one renews it, a sweeper sends expired ones again.

Revision ID: d891af1ea322
Revises: dba22e21ddac
Create Date: 2026-12-02

Four nullable columns with no default: adding them rewrites nothing on
PostgreSQL, and the previous release, which never reads them, keeps working
(its workers claim without a lease; the new sweeper treats such work as
waiting and sends it again once its message looks lost). The two indexes, on
(status, lease_expires_at), let every worker's sweeper find expired leases
without scanning the chunks of every book ever processed. On PostgreSQL they
are built CONCURRENTLY, outside a transaction, so workers keep writing while
they build; an INVALID index left by a failed build is dropped first.
"""

import sqlalchemy as sa
from alembic import op

revision = "d891af1ea322"
down_revision = "dba22e21ddac"
branch_labels = None
depends_on = None

TABLES = ("jobs", "job_chunks")
INDEXES = {
    "ix_jobs_status_lease_expires_at": "jobs",
    "ix_job_chunks_status_lease_expires_at": "job_chunks",
}


def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column("lease_token", sa.String(length=32), nullable=True))
        op.add_column(table, sa.Column("lease_expires_at", sa.DateTime(), nullable=True))
    if op.get_context().dialect.name != "postgresql":
        for name, table in INDEXES.items():
            op.create_index(name, table, ["status", "lease_expires_at"])
        return
    with op.get_context().autocommit_block():
        for name, table in INDEXES.items():
            _drop_invalid_index(name)
            op.create_index(
                name, table, ["status", "lease_expires_at"], postgresql_concurrently=True, if_not_exists=True
            )


def downgrade():
    for name, table in reversed(INDEXES.items()):
        op.drop_index(name, table_name=table)
    # SQLite (3.35+) drops a column in place, so no batch rebuild is needed.
    for table in reversed(TABLES):
        op.drop_column(table, "lease_expires_at")
        op.drop_column(table, "lease_token")


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
