"""Initial schema of the Flask version: users and history.

Revision ID: 6deaf3110825
Revises:
Create Date: legacy (kept with its original id so existing databases upgrade in place)

This revision and 997f943cdd21 reproduce the legacy schema's tables, columns and
rules, so Alembic takes a database created by the Flask version for one created
here. The Flask version itself held some unique rules in other forms (unique
indexes, unnamed constraints, both); 01e83414054f brings each to ours.
"""

import sqlalchemy as sa
from alembic import op

revision = "6deaf3110825"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("picture", sa.String(length=512), nullable=True),
        sa.Column("google_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login", sa.DateTime(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_users_email", "users", ["email"], unique=True)
    op.create_index("ix_users_google_id", "users", ["google_id"], unique=True)

    op.create_table(
        "history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        sa.Column("original_filename", sa.String(length=128), nullable=True),
        sa.Column("processed_sentences_count", sa.Integer(), nullable=True),
        sa.Column("spreadsheet_url", sa.String(length=256), nullable=True),
        sa.Column("error_message", sa.String(length=512), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_history_user_id", "history", ["user_id"])
    op.create_index("ix_history_timestamp", "history", ["timestamp"])
    op.create_index("ix_history_original_filename", "history", ["original_filename"])


def downgrade():
    op.drop_index("ix_history_original_filename", table_name="history")
    op.drop_index("ix_history_timestamp", table_name="history")
    op.drop_index("ix_history_user_id", table_name="history")
    op.drop_table("history")
    op.drop_index("ix_users_google_id", table_name="users")
    op.drop_index("ix_users_email", table_name="users")
    op.drop_table("users")
