"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

# Rules for every migration (STYLE.md "Migrations"):
# - the previous release's code must keep working on the new schema;
# - locks stay short: add columns nullable, build indexes on big tables
#   CONCURRENTLY inside op.get_context().autocommit_block() on PostgreSQL;
# - dialect-specific SQL is guarded so SQLite (batch mode) still works;
# - downgrade() undoes upgrade() completely.

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
