"""Jobs and chunks record why they failed as a stable code beside the message.

Revision ID: a9f409a4b0df
Revises: d891af1ea322
Create Date: 2026-12-02

Two nullable columns with no default: adding them rewrites nothing on
PostgreSQL, and the previous release, which never reads them, keeps working
(its failures simply carry no code). Messages written before this revision
are left as they are.
"""

import sqlalchemy as sa
from alembic import op

revision = "a9f409a4b0df"
down_revision = "d891af1ea322"
branch_labels = None
depends_on = None

TABLES = ("jobs", "job_chunks")


def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column("error_code", sa.String(length=32), nullable=True))


def downgrade():
    # SQLite (3.35+) drops a column in place, so no batch rebuild is needed.
    for table in reversed(TABLES):
        op.drop_column(table, "error_code")
