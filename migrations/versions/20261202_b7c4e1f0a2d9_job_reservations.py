"""Jobs: what a confirmed job reserved (estimated credits, model, pricing version) and its settings.

Revision ID: b7c4e1f0a2d9
Revises: a63d662c7680
Create Date: 2026-12-02

Nullable columns with no default: adding them rewrites nothing on
PostgreSQL; a job submitted without a reservation has none, and the
previous release, which never reads them, keeps working. A job confirmed and
waiting for its upload has the status ``awaiting_upload``, which fits the
existing ``status`` column.
"""

import sqlalchemy as sa
from alembic import op

revision = "b7c4e1f0a2d9"
down_revision = "a63d662c7680"
branch_labels = None
depends_on = None

COLUMNS = (
    ("estimated_credits", sa.Integer()),
    ("model", sa.String(length=64)),
    ("pricing_version", sa.String(length=32)),
    ("processing_settings", sa.JSON()),
)


def upgrade():
    for name, type_ in COLUMNS:
        op.add_column("jobs", sa.Column(name, type_, nullable=True))


def downgrade():
    # SQLite (3.35+) drops a column in place, so no batch rebuild is needed.
    for name, _ in reversed(COLUMNS):
        op.drop_column("jobs", name)
