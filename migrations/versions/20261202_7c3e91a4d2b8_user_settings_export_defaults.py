"""The settings the current frontend keeps: default Drive folder, sheet-name pattern and word list.

Revision ID: 7c3e91a4d2b8
Revises: 4b1d7e2c9a50
Create Date: 2026-12-02

Three nullable columns with no default: adding them rewrites nothing on
PostgreSQL, and the previous release, which never reads them, keeps working.
The word list id has no foreign key yet because the word-list table does not
exist; the coverage subsystem adds the key when it creates the table.
"""

import sqlalchemy as sa
from alembic import op

revision = "7c3e91a4d2b8"
down_revision = "4b1d7e2c9a50"
branch_labels = None
depends_on = None

COLUMNS = ("default_folder_id", "default_sheet_name_pattern", "default_wordlist_id")


def upgrade():
    op.add_column("user_settings", sa.Column("default_folder_id", sa.String(length=255), nullable=True))
    op.add_column("user_settings", sa.Column("default_sheet_name_pattern", sa.String(length=255), nullable=True))
    op.add_column("user_settings", sa.Column("default_wordlist_id", sa.Integer(), nullable=True))


def downgrade():
    # SQLite (3.35+) drops a column in place, so no batch rebuild is needed.
    for name in reversed(COLUMNS):
        op.drop_column("user_settings", name)
