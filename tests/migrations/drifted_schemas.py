"""Legacy databases as a release with the first 2616441a8e6a and 01e83414054f upgraded them.

Those first versions knew only the hand-written legacy shape. 2616441a8e6a built
its two new history indexes and nothing else, so a Flask-Migrate database kept
lacking ix_history_timestamp and ix_history_original_filename. 01e83414054f only
renamed user_settings' unique constraint to uq_user_settings_user_id (on SQLite by
rebuilding the table, whose reflection names it) and raised where there was none:
the create_all and flask_migrate_first forms never got past it, while a
Flask-Migrate database kept the unique index beside the constraint and users'
unnamed constraints beside their unique indexes.

Their operations are replayed here on a legacy database, which then goes on with
our migrations up to the revision before dba22e21ddac, the one that repairs it.
"""

import sqlalchemy as sa
from alembic import command
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory

from novel_pyramid.db.migrate import alembic_config, migrations_directory, stamp
from novel_pyramid.db.urls import with_installed_driver

REPAIR_REVISION = "dba22e21ddac"
BEFORE_FIRST_VERSIONS = "05054374d40e"
FIRST_HISTORY_INDEXES = {
    "ix_history_job_id": ["job_id"],
    "ix_history_user_id_timestamp_id": ["user_id", "timestamp", "id"],
}
# Forms whose unique rules the first 01e83414054f accepted (it raised on the others).
FORMS_THE_FIRST_RENAME_ACCEPTED = ("hand_written", "flask_migrate")


def revision_before_repair():
    return ScriptDirectory(str(migrations_directory())).get_revision(REPAIR_REVISION).down_revision


def upgrade_the_first_way(url, first_unique_rename=True):
    """Upgrade the legacy database at ``url`` with the first 2616441a8e6a and, if asked, the first 01e83414054f.

    Without ``first_unique_rename`` the current 01e83414054f runs instead (a database
    that stopped between the two). Either way it ends at the revision before the repair.
    """
    config = alembic_config(url)
    command.upgrade(config, BEFORE_FIRST_VERSIONS)
    engine = sa.create_engine(with_installed_driver(url), poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            operations = Operations(MigrationContext.configure(connection))
            _first_history_query_indexes(operations)
            if first_unique_rename:
                _first_unique_rename(operations)
    finally:
        engine.dispose()
    stamp(url, "01e83414054f" if first_unique_rename else "2616441a8e6a")
    command.upgrade(config, revision_before_repair())
    return url


def _first_history_query_indexes(op):
    for name, columns in FIRST_HISTORY_INDEXES.items():
        op.create_index(name, "history", columns)


def _first_unique_rename(op):
    inspector = sa.inspect(op.get_bind())
    names = [c["name"] for c in inspector.get_unique_constraints("user_settings") if c["column_names"] == ["user_id"]]
    if not names:
        raise RuntimeError("user_settings has no unique constraint on user_id.")
    if names[0] == "uq_user_settings_user_id":
        return
    if op.get_bind().dialect.name == "sqlite":
        convention = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
        with op.batch_alter_table("user_settings", recreate="always", naming_convention=convention):
            pass
    else:
        op.execute(f'ALTER TABLE user_settings RENAME CONSTRAINT "{names[0]}" TO uq_user_settings_user_id')
