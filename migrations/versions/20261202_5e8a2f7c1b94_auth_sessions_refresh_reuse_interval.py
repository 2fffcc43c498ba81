"""Sign-in sessions remember their last rotation, for the refresh-token reuse interval.

Revision ID: 5e8a2f7c1b94
Revises: 7c3e91a4d2b8
Create Date: 2026-12-02

Two nullable columns with no default: adding them rewrites nothing on
PostgreSQL, and the previous release, which never reads them, keeps working.
A session rotated by the previous release simply has no interval to grant.
"""

import sqlalchemy as sa
from alembic import op

revision = "5e8a2f7c1b94"
down_revision = "7c3e91a4d2b8"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("auth_sessions", sa.Column("previous_token_hash", sa.String(length=64), nullable=True))
    op.add_column("auth_sessions", sa.Column("rotated_at", sa.DateTime(), nullable=True))


def downgrade():
    # SQLite (3.35+) drops a column in place, so no batch rebuild is needed.
    op.drop_column("auth_sessions", "rotated_at")
    op.drop_column("auth_sessions", "previous_token_hash")
