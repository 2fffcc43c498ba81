"""Repair what the first versions of 01e83414054f and 2616441a8e6a left in a Flask-Migrate database.

Revision ID: dba22e21ddac
Revises: 5e8a2f7c1b94
Create Date: 2026-12-02

A database made by the Flask version's own revisions and upgraded before those
two revisions knew its shape is past them, yet differs from our schema in up to
three ways: user_settings keeps the unique index ix_user_settings_user_id beside
its constraint uq_user_settings_user_id; users keeps unnamed unique constraints
on email and google_id beside the unique indexes ix_users_email and
ix_users_google_id; history lacks ix_history_timestamp and
ix_history_original_filename. Each is looked for and repaired only where found,
so any other database is left untouched and a second run changes nothing. A
duplicate rule goes only while ours enforces the same thing, so uniqueness never
lapses.

On PostgreSQL every statement commits on its own: the redundant index is dropped
and the history indexes are built CONCURRENTLY (an INVALID one left by a failed
build is dropped first), and dropping a users constraint holds its exclusive lock
only for that catalogue change. SQLite drops and builds indexes in place, but can
drop an unnamed constraint only by rebuilding users, which is small.

The downgrade does nothing: what this removes was redundant and what it builds
belongs to the schema at the previous revision too, so the repaired database is
already what 5e8a2f7c1b94 describes; putting the drift back would serve nothing.
"""

import sqlalchemy as sa
from alembic import op

revision = "dba22e21ddac"
down_revision = "5e8a2f7c1b94"
branch_labels = None
depends_on = None

SETTINGS_CONSTRAINT = "uq_user_settings_user_id"
USERS_UNIQUE_INDEXES = {"email": "ix_users_email", "google_id": "ix_users_google_id"}
HISTORY_INDEXES = {"ix_history_timestamp": ["timestamp"], "ix_history_original_filename": ["original_filename"]}
# Copied rather than imported, so this revision does the same thing forever. On
# SQLite it names an unnamed reflected constraint, so that it can be dropped.
UNIQUE_NAMING_CONVENTION = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade():
    if op.get_context().as_sql:
        return  # Only a live database shows the drift; one built by our migrations has none.
    inspector = sa.inspect(op.get_bind())
    settings_indexes = _redundant_settings_indexes(inspector)
    users_constraints = _redundant_users_constraints(inspector)
    history_indexes = _missing_history_indexes(inspector)
    if op.get_context().dialect.name == "postgresql":
        _repair_on_postgresql(settings_indexes, users_constraints, history_indexes)
    else:
        _repair_on_sqlite(settings_indexes, users_constraints, history_indexes)


def downgrade():
    # Nothing to undo: see the module docstring.
    pass


def _indexes(inspector, table):
    """{name: (columns, unique, valid)}, leaving out the indexes PostgreSQL keeps behind constraints."""
    return {
        index["name"]: (
            index["column_names"],
            bool(index["unique"]),
            not index.get("dialect_options", {}).get("postgresql_invalid", False),
        )
        for index in inspector.get_indexes(table)
        if "duplicates_constraint" not in index
    }


def _unique_constraints(inspector, table, column):
    return [c["name"] for c in inspector.get_unique_constraints(table) if c["column_names"] == [column]]


def _redundant_settings_indexes(inspector):
    if SETTINGS_CONSTRAINT not in _unique_constraints(inspector, "user_settings", "user_id"):
        return []
    return [
        name
        for name, (columns, unique, _) in _indexes(inspector, "user_settings").items()
        if unique and columns == ["user_id"]
    ]


def _redundant_users_constraints(inspector):
    """[(column, constraint name or None)] of users' constraints that a valid unique index already enforces."""
    indexes = _indexes(inspector, "users")
    redundant = []
    for column, index_name in USERS_UNIQUE_INDEXES.items():
        if indexes.get(index_name) == ([column], True, True):
            redundant += [(column, name) for name in _unique_constraints(inspector, "users", column)]
    return redundant


def _missing_history_indexes(inspector):
    """{name: True if an INVALID one, left by a failed concurrent build, must go first} of those to build."""
    indexes = _indexes(inspector, "history")
    return {name: name in indexes for name in HISTORY_INDEXES if name not in indexes or not indexes[name][2]}


def _repair_on_postgresql(settings_indexes, users_constraints, history_indexes):
    with op.get_context().autocommit_block():
        for name in settings_indexes:
            op.drop_index(name, table_name="user_settings", postgresql_concurrently=True, if_exists=True)
        for _, name in users_constraints:
            op.drop_constraint(name, "users", type_="unique")
        for name, invalid in history_indexes.items():
            if invalid:
                op.drop_index(name, table_name="history", postgresql_concurrently=True, if_exists=True)
            op.create_index(name, "history", HISTORY_INDEXES[name], postgresql_concurrently=True)


def _repair_on_sqlite(settings_indexes, users_constraints, history_indexes):
    for name in settings_indexes:
        op.drop_index(name, table_name="user_settings")
    if users_constraints:
        with op.batch_alter_table("users", recreate="always", naming_convention=UNIQUE_NAMING_CONVENTION) as batch:
            for column, name in users_constraints:
                batch.drop_constraint(name or f"uq_users_{column}", type_="unique")
    for name in history_indexes:
        op.create_index(name, "history", HISTORY_INDEXES[name])
