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
    with op.batch_alter_table("users", copy_from=_offline_users()) as batch_op:
        batch_op.drop_column("google_token_expiry")
        batch_op.drop_column("google_refresh_token")
        batch_op.drop_column("google_access_token")


def _offline_users():
    """users before the downgrade, for ``--sql`` scripts that cannot reflect it on SQLite."""
    if not op.get_context().as_sql:
        return None
    return sa.Table(
        "users",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255)),
        sa.Column("picture", sa.String(length=512)),
        sa.Column("google_id", sa.String(length=255)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login", sa.DateTime()),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("google_access_token", sa.Text()),
        sa.Column("google_refresh_token", sa.Text()),
        sa.Column("google_token_expiry", sa.DateTime()),
        sa.Index("ix_users_email", "email", unique=True),
        sa.Index("ix_users_google_id", "google_id", unique=True),
    )
