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
    with op.batch_alter_table("history") as batch_op:
        batch_op.add_column(sa.Column("job_id", sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(FOREIGN_KEY_NAME, "jobs", ["job_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("history") as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY_NAME, type_="foreignkey")
        batch_op.drop_column("job_id")
