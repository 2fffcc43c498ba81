"""Bring the legacy unique constraints and indexes of user_settings and users to our schema.

Revision ID: 01e83414054f
Revises: 2616441a8e6a
Create Date: 2026-11-28

How the Flask version made its database decides what it holds. Its models'
``unique=True, index=True`` rendered, under ``db.create_all()`` and in its own
revision 6deaf3110825 alike, a UNIQUE INDEX ix_user_settings_user_id; that
revision also declared an unnamed unique constraint on the same column (named
user_settings_user_id_key by PostgreSQL), and unnamed unique constraints on
users.email and users.google_id beside their unique indexes. Ours is one
constraint uq_user_settings_user_id, and on users the two unique indexes alone.

So, whatever is found: user_settings keeps (or gets) one unique constraint under
our name, its redundant unique indexes go, and users' redundant constraints go.
A database made by our migrations is already so and is left alone. PostgreSQL
renames, or turns the unique index into the constraint (USING INDEX), without
rebuilding anything; SQLite can only drop or name a table's constraint by
rebuilding the table, which is small for both.
"""

import sqlalchemy as sa
from alembic import op

revision = "01e83414054f"
down_revision = "2616441a8e6a"
branch_labels = None
depends_on = None

SETTINGS_CONSTRAINT = "uq_user_settings_user_id"
USERS_UNIQUE_INDEXES = {"email": "ix_users_email", "google_id": "ix_users_google_id"}
# Copied rather than imported, so this revision does the same thing forever. On
# SQLite it names an unnamed reflected constraint, so that it can be kept or dropped.
UNIQUE_NAMING_CONVENTION = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade():
    if op.get_context().as_sql:
        return  # Only a live database shows its shape; one built by our migrations needs nothing.
    inspector = sa.inspect(op.get_bind())
    settings = _uniques_on(inspector, "user_settings", "user_id")
    users = {column: _uniques_on(inspector, "users", column) for column in USERS_UNIQUE_INDEXES}
    if op.get_context().dialect.name == "sqlite":
        _rebuild_user_settings_on_sqlite(*settings)
        _rebuild_users_on_sqlite(users)
    else:
        _alter_user_settings(*settings)
        _alter_users(users)


def downgrade():
    # The legacy shapes were never part of the schema's contract; keeping ours is harmless.
    pass


def _uniques_on(inspector, table, column):
    """(names of unique constraints, names of unique indexes) on exactly ``column``.

    An index that PostgreSQL made to back a constraint is the constraint, not an index.
    """
    constraints = [c["name"] for c in inspector.get_unique_constraints(table) if c["column_names"] == [column]]
    indexes = [
        index["name"]
        for index in inspector.get_indexes(table)
        if index["unique"] and index["column_names"] == [column] and "duplicates_constraint" not in index
    ]
    return constraints, indexes


def _alter_user_settings(constraints, indexes):
    constraints = sorted(constraints, key=lambda name: name != SETTINGS_CONSTRAINT)  # ours first
    indexes = list(indexes)
    if constraints:
        kept = constraints.pop(0)
        if kept != SETTINGS_CONSTRAINT:
            op.execute(f'ALTER TABLE user_settings RENAME CONSTRAINT "{kept}" TO {SETTINGS_CONSTRAINT}')
    elif indexes:
        # The unique index becomes the constraint and takes its name: nothing is rebuilt or scanned.
        op.execute(
            f'ALTER TABLE user_settings ADD CONSTRAINT {SETTINGS_CONSTRAINT} UNIQUE USING INDEX "{indexes.pop(0)}"'
        )
    else:
        op.create_unique_constraint(SETTINGS_CONSTRAINT, "user_settings", ["user_id"])
    for name in constraints:
        op.drop_constraint(name, "user_settings", type_="unique")
    for name in indexes:
        op.drop_index(name, table_name="user_settings")


def _alter_users(users):
    for column, index_name in USERS_UNIQUE_INDEXES.items():
        constraints, indexes = users[column]
        if index_name not in indexes:
            op.create_index(index_name, "users", [column], unique=True)
        for name in constraints:
            op.drop_constraint(name, "users", type_="unique")


def _rebuild_user_settings_on_sqlite(constraints, indexes):
    if constraints == [SETTINGS_CONSTRAINT] and not indexes:
        return
    # Reflection names an unnamed constraint uq_user_settings_user_id; the rebuild keeps it.
    with op.batch_alter_table("user_settings", recreate="always", naming_convention=UNIQUE_NAMING_CONVENTION) as batch:
        named = [name or SETTINGS_CONSTRAINT for name in constraints]
        for name in named:
            if name != SETTINGS_CONSTRAINT:
                batch.drop_constraint(name, type_="unique")
        if SETTINGS_CONSTRAINT not in named:
            batch.create_unique_constraint(SETTINGS_CONSTRAINT, ["user_id"])
        for name in indexes:
            batch.drop_index(name)


def _rebuild_users_on_sqlite(users):
    missing_indexes = [(column, name) for column, name in USERS_UNIQUE_INDEXES.items() if name not in users[column][1]]
    if not missing_indexes and not any(constraints for constraints, _ in users.values()):
        return
    with op.batch_alter_table("users", recreate="always", naming_convention=UNIQUE_NAMING_CONVENTION) as batch:
        for column, (constraints, _) in users.items():
            for name in constraints:
                batch.drop_constraint(name or f"uq_users_{column}", type_="unique")
        for column, name in missing_indexes:
            batch.create_index(name, [column], unique=True)
