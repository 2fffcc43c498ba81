"""``novel-pyramid wordlists ...``: the shipped global default word list (French 2K).

    novel-pyramid wordlists build-default [--output PATH] [--size N]
    novel-pyramid wordlists install-default [--ini FILE]

``build-default`` writes ``novel_pyramid/wordlists/data/french_2k.txt`` again
from wordfreq's French data (a maintainer's step; the file is committed).
``install-default`` installs that file as the global default list, or brings
an older installed version up to date; ``novel-pyramid db upgrade`` runs it
after the migrations, so every deployment has it.
"""

import os
import pathlib
import sys

from novel_pyramid.config import ConfigurationError
from novel_pyramid.db import make_engine, make_session_factory, own_transaction
from novel_pyramid.scripts.credits import app_settings

DATA_FILE = pathlib.Path(__file__).resolve().parent.parent / "wordlists" / "data" / "french_2k.txt"


def add_commands(groups):
    parser = groups.add_parser("wordlists", help="The shipped global word list.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")

    build = commands.add_parser("build-default", help="Write the French 2K list again from wordfreq's French data.")
    build.add_argument(
        "--output", metavar="PATH", default=str(DATA_FILE), help="Where to write (default: the package's file)."
    )
    build.add_argument("--size", type=int, default=None, metavar="N", help="How many lemmas (default 2,000).")
    build.set_defaults(run=run_build)

    install = commands.add_parser(
        "install-default", help="Install the shipped French 2K list as the global default, or update an older one."
    )
    install.add_argument(
        "--ini",
        metavar="FILE",
        default=None,
        help="Application INI file (default: $NOVEL_PYRAMID_INI). DATABASE_URL overrides it.",
    )
    install.set_defaults(run=run_install)


def run_build(arguments):
    from novel_pyramid.wordlists.build import DEFAULT_SIZE, build_default_text

    output = pathlib.Path(arguments.output)
    previous = output.read_text("utf-8") if output.is_file() else None
    text = build_default_text(arguments.size or DEFAULT_SIZE, previous_text=previous)
    output.write_text(text, "utf-8")
    keys = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
    print(f"{output}: {keys} keys", file=sys.stderr)
    return 0


def run_install(arguments, environ=os.environ):
    try:
        settings = app_settings(arguments.ini, environ)
    except ConfigurationError as error:
        print(f"novel-pyramid: {error}", file=sys.stderr)
        return 2
    print(describe(*install_default_list(settings["database_url"], settings["database.pool_size"])))
    return 0


def describe(wordlist, what):
    return f"{wordlist.name} (id {wordlist.id}, version {wordlist.version}, {wordlist.normalized_count} keys): {what}"


def install_default_list(database_url, pool_size=1):
    """Install the shipped list in the database at ``database_url``, in a transaction of its own."""
    from novel_pyramid.wordlists.defaults import install_default, shipped_default

    engine = make_engine({"database_url": database_url, "database.pool_size": pool_size})
    try:
        with own_transaction(make_session_factory(engine)) as (_, session):
            wordlist, what = install_default(session, shipped_default())
            # Read before the session closes with the transaction.
            session.expunge(wordlist)
            return wordlist, what
    finally:
        engine.dispose()
