"""Every shape in which the Flask version left its three tables, built the way it built them.

The Flask version made its schema in two ways, and each renders the same
declarations differently:

- ``create_all``: its models said ``unique=True, index=True`` on users.email,
  users.google_id and user_settings.user_id, which SQLAlchemy renders as a
  UNIQUE INDEX (``ix_<table>_<column>``) and no table constraint at all.
- ``flask_migrate``: its revision 6deaf3110825 created the tables if missing,
  with ``UniqueConstraint`` on users' email and google_id *and* unique indexes on
  them, ``unique=True`` on user_settings.user_id (an unnamed constraint) *and* a
  unique index ``ix_user_settings_user_id``, server defaults, and only one of
  history's three indexes; 997f943cdd21 then added the OAuth token columns.
- ``flask_migrate_first``: the first 6deaf3110825, which added ``user_id``
  (with named foreign keys and a unique index on user_settings) to history and
  user_settings tables that ``create_all`` had made before sign-in existed.
- ``hand_written``: the schema as our own two legacy revisions describe it
  (unique indexes on users, an unnamed unique constraint on user_settings).

These are our own declarations and Alembic operations reproducing that DDL.
"""

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.orm import DeclarativeBase, mapped_column

from novel_pyramid.db.migrate import stamp
from novel_pyramid.db.urls import with_installed_driver

LEGACY_HEAD = "997f943cdd21"
LEGACY_FORMS = ("hand_written", "create_all", "flask_migrate", "flask_migrate_first")

HAND_WRITTEN_SCHEMA = """
CREATE TABLE users (
    id INTEGER NOT NULL,
    email VARCHAR(255) NOT NULL,
    name VARCHAR(255),
    picture VARCHAR(512),
    google_id VARCHAR(255),
    created_at DATETIME NOT NULL,
    last_login DATETIME,
    is_active BOOLEAN NOT NULL,
    google_access_token TEXT,
    google_refresh_token TEXT,
    google_token_expiry DATETIME,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ix_users_email ON users (email);
CREATE UNIQUE INDEX ix_users_google_id ON users (google_id);
CREATE TABLE history (
    id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    timestamp DATETIME NOT NULL,
    original_filename VARCHAR(128),
    processed_sentences_count INTEGER,
    spreadsheet_url VARCHAR(256),
    error_message VARCHAR(512),
    PRIMARY KEY (id),
    FOREIGN KEY(user_id) REFERENCES users (id)
);
CREATE INDEX ix_history_user_id ON history (user_id);
CREATE INDEX ix_history_timestamp ON history (timestamp);
CREATE INDEX ix_history_original_filename ON history (original_filename);
CREATE TABLE user_settings (
    id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    sentence_length_limit INTEGER NOT NULL,
    updated_at DATETIME,
    PRIMARY KEY (id),
    UNIQUE (user_id),
    FOREIGN KEY(user_id) REFERENCES users (id)
);
"""

HAND_WRITTEN_SCHEMA_POSTGRESQL = HAND_WRITTEN_SCHEMA.replace("DATETIME", "TIMESTAMP WITHOUT TIME ZONE").replace(
    "    id INTEGER NOT NULL,", "    id SERIAL NOT NULL,"
)


class FlaskEraModel(DeclarativeBase):
    """The Flask models' declarations: a plain MetaData, as Flask-SQLAlchemy's db.Model had."""


class FlaskEraUser(FlaskEraModel):
    __tablename__ = "users"
    id = mapped_column(sa.Integer, primary_key=True)
    email = mapped_column(sa.String(255), unique=True, nullable=False, index=True)
    name = mapped_column(sa.String(255))
    picture = mapped_column(sa.String(512))
    google_id = mapped_column(sa.String(255), unique=True, index=True)
    google_access_token = mapped_column(sa.Text)
    google_refresh_token = mapped_column(sa.Text)
    google_token_expiry = mapped_column(sa.DateTime)
    created_at = mapped_column(sa.DateTime, nullable=False)
    last_login = mapped_column(sa.DateTime)
    is_active = mapped_column(sa.Boolean, nullable=False)


class FlaskEraHistory(FlaskEraModel):
    __tablename__ = "history"
    id = mapped_column(sa.Integer, primary_key=True)
    user_id = mapped_column(sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True)
    timestamp = mapped_column(sa.DateTime, index=True, nullable=False)
    original_filename = mapped_column(sa.String(128), index=True)
    processed_sentences_count = mapped_column(sa.Integer)
    spreadsheet_url = mapped_column(sa.String(256))
    error_message = mapped_column(sa.String(512))


class FlaskEraUserSettings(FlaskEraModel):
    __tablename__ = "user_settings"
    id = mapped_column(sa.Integer, primary_key=True)
    user_id = mapped_column(sa.Integer, sa.ForeignKey("users.id"), nullable=False, unique=True, index=True)
    sentence_length_limit = mapped_column(sa.Integer, nullable=False)
    updated_at = mapped_column(sa.DateTime)


def _tables_before_sign_in():
    """history and user_settings as create_all made them before users existed (no user_id)."""
    metadata = sa.MetaData()
    for model_table in (FlaskEraHistory.__table__, FlaskEraUserSettings.__table__):
        columns = [
            sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable, index=c.index)
            for c in model_table.columns
            if c.name != "user_id"
        ]
        sa.Table(model_table.name, metadata, *columns)
    return metadata


def build_legacy_schema(url, form):
    """Create the legacy tables of ``form`` in the empty database at ``url``, versioned at 997f943cdd21."""
    engine = sa.create_engine(with_installed_driver(url), poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            if form == "hand_written":
                _hand_written(connection)
            elif form == "create_all":
                FlaskEraModel.metadata.create_all(connection)
            elif form == "flask_migrate":
                operations = Operations(MigrationContext.configure(connection))
                _flask_migrate_initial(operations)
                _flask_migrate_oauth_tokens(operations)
            elif form == "flask_migrate_first":
                _tables_before_sign_in().create_all(connection)
                operations = Operations(MigrationContext.configure(connection))
                _flask_migrate_first_initial(operations)
                _flask_migrate_oauth_tokens(operations)
            else:
                raise ValueError(f"unknown legacy form {form!r}")
    finally:
        engine.dispose()
    # create_all databases were versioned by `flask db stamp head`; the others by the upgrade itself.
    stamp(url, LEGACY_HEAD)


def _hand_written(connection):
    script = HAND_WRITTEN_SCHEMA_POSTGRESQL if connection.dialect.name == "postgresql" else HAND_WRITTEN_SCHEMA
    for statement in script.split(";"):
        if statement.strip():
            connection.exec_driver_sql(statement)


def _create_users(op, server_defaults):
    """The users table of 6deaf3110825; its first version had no server defaults."""
    created_at_default = {"server_default": sa.text("CURRENT_TIMESTAMP")} if server_defaults else {}
    is_active_default = {"server_default": sa.text("true")} if server_defaults else {}
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("picture", sa.String(length=512), nullable=True),
        sa.Column("google_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False, **created_at_default),
        sa.Column("last_login", sa.DateTime(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False, **is_active_default),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
        sa.UniqueConstraint("google_id"),
    )
    op.create_index("ix_users_email", "users", ["email"], unique=True)
    op.create_index("ix_users_google_id", "users", ["google_id"], unique=True)


def _flask_migrate_initial(op):
    """6deaf3110825 as it ended up: every table created from nothing."""
    _create_users(op, server_defaults=True)
    op.create_table(
        "history",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("timestamp", sa.DateTime(), nullable=False, server_default=sa.text("CURRENT_TIMESTAMP")),
        sa.Column("original_filename", sa.String(length=128), nullable=True),
        sa.Column("processed_sentences_count", sa.Integer(), nullable=True),
        sa.Column("spreadsheet_url", sa.String(length=256), nullable=True),
        sa.Column("error_message", sa.String(length=512), nullable=True),
    )
    # Only user_id: the timestamp and file name indexes never came with this revision.
    op.create_index("ix_history_user_id", "history", ["user_id"], unique=False)
    op.create_table(
        "user_settings",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False, unique=True),
        sa.Column("sentence_length_limit", sa.Integer(), nullable=False, server_default=sa.text("8")),
        sa.Column("updated_at", sa.DateTime(), nullable=True, server_default=sa.text("CURRENT_TIMESTAMP")),
    )
    op.create_index("ix_user_settings_user_id", "user_settings", ["user_id"], unique=True)


def _flask_migrate_first_initial(op):
    """6deaf3110825 as first written: users, and user_id added to the existing tables."""
    _create_users(op, server_defaults=False)
    with op.batch_alter_table("history") as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=False))
        batch_op.create_index("ix_history_user_id", ["user_id"], unique=False)
        batch_op.create_foreign_key("fk_history_user_id", "users", ["user_id"], ["id"])
    with op.batch_alter_table("user_settings") as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=False))
        batch_op.create_index("ix_user_settings_user_id", ["user_id"], unique=True)
        batch_op.create_foreign_key("fk_user_settings_user_id", "users", ["user_id"], ["id"])


def _flask_migrate_oauth_tokens(op):
    """997f943cdd21: the three OAuth token columns on users."""
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("google_access_token", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("google_refresh_token", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("google_token_expiry", sa.DateTime(), nullable=True))
