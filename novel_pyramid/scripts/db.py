"""``novel-pyramid db ...``: migrate the configured database and show its revision.

The database is the application's: ``database_url`` from the INI file given with
``--ini`` (or NOVEL_PYRAMID_INI), with DATABASE_URL in the environment winning.
Without any INI file the environment alone is used, as in a container.
"""

import os
import sys

from novel_pyramid.db.migrate import (
    configured_database_url,
    current_revision,
    head_revision,
    read_app_settings,
    stamp_unversioned_legacy,
    upgrade_to_head,
)
from novel_pyramid.scripts import db_copy, wordlists


def add_commands(groups):
    parser = groups.add_parser("db", help="Database schema and data.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")

    upgrade = commands.add_parser("upgrade", help="Migrate the configured database to the newest revision.")
    _add_ini_option(upgrade)
    upgrade.add_argument(
        "--write-revision",
        metavar="PATH",
        help="Also write the resulting revision to PATH (e.g. /dev/termination-log).",
    )
    upgrade.set_defaults(run=run_upgrade)

    current = commands.add_parser("current", help="Show the revision of the configured database.")
    _add_ini_option(current)
    current.set_defaults(run=run_current)

    db_copy.add_command(commands)


def _add_ini_option(parser):
    parser.add_argument(
        "--ini",
        metavar="FILE",
        default=None,
        help="Application INI file (default: $NOVEL_PYRAMID_INI). DATABASE_URL overrides it.",
    )


def run_upgrade(arguments):
    url = database_url(arguments.ini)
    stamp_unversioned_legacy(url, note=lambda message: print(message, file=sys.stderr))
    revision = upgrade_to_head(url)
    # The shipped default word list goes with the schema: installed or updated once per deployment, here.
    print(f"Word list {wordlists.describe(*wordlists.install_default_list(url))}", file=sys.stderr)
    print(revision)
    if arguments.write_revision:
        with open(arguments.write_revision, "w", encoding="utf-8") as output:
            output.write(f"{revision}\n")
    return 0


def run_current(arguments):
    url = database_url(arguments.ini)
    revision = current_revision(url)
    head = head_revision()
    if revision is None:
        print("(none: the database has no Alembic revision)")
        return 1
    print(f"{revision} (head)" if revision == head else f"{revision} (head is {head})")
    return 0


def database_url(ini_option, environ=os.environ):
    """The configured database URL; an INI file is optional, the environment wins."""
    ini_path = ini_option or environ.get("NOVEL_PYRAMID_INI")
    ini_settings = {}
    if ini_path and os.path.isfile(ini_path):
        ini_settings = read_app_settings(ini_path)
    elif ini_option:
        raise SystemExit(f"novel-pyramid: the INI file {ini_option!r} does not exist.")
    elif ini_path:
        print(
            f"novel-pyramid: NOVEL_PYRAMID_INI={ini_path!r} does not exist; using the environment only.",
            file=sys.stderr,
        )
    return configured_database_url(ini_settings, environ)
