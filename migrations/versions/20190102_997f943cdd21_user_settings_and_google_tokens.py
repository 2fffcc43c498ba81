"""Per-user settings and the Google OAuth tokens (last revision of the Flask version).

Revision ID: 997f943cdd21
Revises: 6deaf3110825
Create Date: legacy (kept with its original id so existing databases upgrade in place)
"""

import sqlalchemy as sa
from alembic import op

revision = "997f943cdd21"
down_revision = "6deaf3110825"
branch_labels = None
depends_on = None


def upgrade():
    # Nullable columns without a default: a metadata-only change on every dialect.
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("google_access_token", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("google_refresh_token", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("google_token_expiry", sa.DateTime(), nullable=True))

    op.create_table(
        "user_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sentence_length_limit", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id"),
    )


def downgrade():
    op.drop_table("user_settings")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("google_token_expiry")
        batch_op.drop_column("google_refresh_token")
        batch_op.drop_column("google_access_token")
