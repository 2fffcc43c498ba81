"""Link a history entry to the job that produced it.

Revision ID: 05054374d40e
Revises: 8dd57fb8fe12
Create Date: 2026-11-28

The column is nullable with no default, so adding it does not rewrite the table
on PostgreSQL, and the previous release (which never writes it) keeps working.
Its indexes come in the next revision, built without blocking writes.
"""

import sqlalchemy as sa
from alembic import op

revision = "05054374d40e"
down_revision = "8dd57fb8fe12"
branch_labels = None
depends_on = None

FOREIGN_KEY_NAME = "fk_history_job_id_jobs"


def upgrade():
    if op.get_context().dialect.name == "postgresql":
        op.add_column("history", sa.Column("job_id", sa.String(length=36), nullable=True))
        # NOT VALID adds the constraint without scanning history under a write lock;
        # VALIDATE then scans it while still letting writes through.
        op.execute(
            f"ALTER TABLE history ADD CONSTRAINT {FOREIGN_KEY_NAME} FOREIGN KEY (job_id) "
            "REFERENCES jobs (id) ON DELETE SET NULL NOT VALID"
        )
        op.execute(f"ALTER TABLE history VALIDATE CONSTRAINT {FOREIGN_KEY_NAME}")
        return
    # SQLite cannot add a foreign key to an existing table: batch mode rebuilds it.
    with op.batch_alter_table("history", copy_from=_offline_history(with_job_id=False)) as batch_op:
        batch_op.add_column(sa.Column("job_id", sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(FOREIGN_KEY_NAME, "jobs", ["job_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("history", copy_from=_offline_history(with_job_id=True)) as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY_NAME, type_="foreignkey")
        batch_op.drop_column("job_id")


def _offline_history(with_job_id):
    """history as it stands before this step, for ``--sql`` scripts that cannot reflect it.

    A live database is reflected instead (None), which is always the faithful choice.
    """
    if not op.get_context().as_sql:
        return None
    metadata = sa.MetaData()
    sa.Table("users", metadata, sa.Column("id", sa.Integer(), primary_key=True))
    sa.Table("jobs", metadata, sa.Column("id", sa.String(length=36), primary_key=True))
    columns = [
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        sa.Column("original_filename", sa.String(length=128)),
        sa.Column("processed_sentences_count", sa.Integer()),
        sa.Column("spreadsheet_url", sa.String(length=256)),
        sa.Column("error_message", sa.String(length=512)),
        sa.Index("ix_history_user_id", "user_id"),
        sa.Index("ix_history_timestamp", "timestamp"),
        sa.Index("ix_history_original_filename", "original_filename"),
    ]
    if with_job_id:
        columns.append(
            sa.Column(
                "job_id",
                sa.String(length=36),
                sa.ForeignKey("jobs.id", name=FOREIGN_KEY_NAME, ondelete="SET NULL"),
            )
        )
    return sa.Table("history", metadata, *columns)
