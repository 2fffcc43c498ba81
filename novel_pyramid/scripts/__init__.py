"""The ``novel-pyramid`` console command.

    novel-pyramid db upgrade [--ini FILE] [--write-revision PATH]
    novel-pyramid db current [--ini FILE]
    novel-pyramid db copy SOURCE_URL TARGET_URL [--replace-target-data] ...
    novel-pyramid credits grant EMAIL N [--reason TEXT] [--ini FILE]
    novel-pyramid wordlists build-default [--output PATH] [--size N]
    novel-pyramid wordlists install-default [--ini FILE]

Each group of subcommands lives in its own module and adds itself to the parser.
"""

import argparse
import logging
import sys

from novel_pyramid.scripts import credits, db, wordlists


def build_parser():
    parser = argparse.ArgumentParser(
        prog="novel-pyramid",
        description="Administration of a novel_pyramid deployment.",
    )
    groups = parser.add_subparsers(dest="group", required=True, metavar="COMMAND")
    db.add_commands(groups)
    credits.add_commands(groups)
    wordlists.add_commands(groups)
    return parser


def main(argv=None):
    arguments = build_parser().parse_args(argv)
    # Alembic reports each migration it runs at INFO; show that on stderr.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(message)s")
    logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)
    return arguments.run(arguments)
