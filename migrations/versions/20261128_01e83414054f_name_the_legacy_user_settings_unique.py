"""Give user_settings' unique constraint on user_id the name our convention expects.

Revision ID: 01e83414054f
Revises: 2616441a8e6a
Create Date: 2026-11-28

The Flask version created it unnamed: SQLite keeps it nameless and PostgreSQL
calls it user_settings_user_id_key. A database made by our migrations already has
uq_user_settings_user_id and is left alone. On SQLite a nameless constraint can
only be named by rebuilding the (small) table; on PostgreSQL a rename is instant.
"""

import sqlalchemy as sa
from alembic import op

revision = "01e83414054f"
down_revision = "2616441a8e6a"
branch_labels = None
depends_on = None

EXPECTED_NAME = "uq_user_settings_user_id"
# Copied rather than imported, so this revision does the same thing forever.
UNIQUE_NAMING_CONVENTION = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade():
    if op.get_context().as_sql:
        return  # Only a live database shows which name it has; fresh ones need nothing.
    current = _current_name()
    if current == EXPECTED_NAME:
        return
    if op.get_context().dialect.name == "sqlite":
        # Reflection names the nameless constraint by the convention; the rebuild keeps it.
        with op.batch_alter_table("user_settings", recreate="always", naming_convention=UNIQUE_NAMING_CONVENTION):
            pass
    else:
        op.execute(f'ALTER TABLE user_settings RENAME CONSTRAINT "{current}" TO {EXPECTED_NAME}')


def downgrade():
    # The legacy name was never part of the schema's contract; keeping ours is harmless.
    pass


def _current_name():
    inspector = sa.inspect(op.get_bind())
    for constraint in inspector.get_unique_constraints("user_settings"):
        if constraint["column_names"] == ["user_id"]:
            return constraint["name"]
    raise RuntimeError("user_settings has no unique constraint on user_id.")
