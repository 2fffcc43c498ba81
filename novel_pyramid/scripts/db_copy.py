"""``novel-pyramid db copy SOURCE_URL TARGET_URL``: move a deployment's data, verified.

Progress goes to stderr (rows per table), the verification table to stdout.
Exit status: 0 copied and verified; 1 refused or failed, with the target left
as it was; 130 interrupted, also with the target left as it was.
"""

import argparse
import signal
import sys

from alembic.util import CommandError
from sqlalchemy.exc import SQLAlchemyError

from novel_pyramid.db.copy import (
    DEFAULT_BATCH_SIZE,
    CopyOptions,
    CopyRefused,
    copy_database,
)
from novel_pyramid.db.copy_rows import ValueCannotBeCopied
from novel_pyramid.db.copy_source import SourceNotUsable


def add_command(commands):
    copy = commands.add_parser(
        "copy",
        help="Copy every row from SOURCE_URL (e.g. the legacy SQLite file) into TARGET_URL.",
        description=(
            "Copy a whole novel_pyramid database, typically sqlite:///path/app.db into "
            "postgresql://..., in one transaction, and verify it. See docs/upgrading.md."
        ),
    )
    copy.add_argument("source_url", metavar="SOURCE_URL")
    copy.add_argument("target_url", metavar="TARGET_URL")
    copy.add_argument(
        "--replace-target-data",
        action="store_true",
        help="Delete the rows already in the target (in the same transaction) instead of refusing.",
    )
    copy.add_argument(
        "--upgrade-source-in-place",
        action="store_true",
        help="Migrate the source itself to head instead of a temporary snapshot of it.",
    )
    copy.add_argument("--batch-size", type=_positive_int, default=DEFAULT_BATCH_SIZE)
    # Hidden: slows the copy down so tests can interrupt it in the middle of a table.
    copy.add_argument("--throttle-seconds", type=float, default=0.0, help=argparse.SUPPRESS)
    copy.set_defaults(run=run_copy)


def run_copy(arguments):
    options = CopyOptions(
        batch_size=arguments.batch_size,
        replace_target_data=arguments.replace_target_data,
        upgrade_source_in_place=arguments.upgrade_source_in_place,
        throttle_seconds=arguments.throttle_seconds,
    )
    # SIGTERM (docker stop, kill) unwinds like Ctrl-C, so the transaction is rolled back.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    progress = ProgressDisplay(sys.stderr)
    try:
        report = copy_database(arguments.source_url, arguments.target_url, options, progress, note=_note)
    except KeyboardInterrupt:
        progress.finish()
        _note("Interrupted: the copy was rolled back; the target holds none of it.")
        return 130
    except (CopyRefused, ValueCannotBeCopied, SourceNotUsable, CommandError) as problem:
        progress.finish()
        if getattr(problem, "report", None) is not None:
            print_verification(problem.report, sys.stdout)
        _note(f"novel-pyramid db copy: {problem}")
        return 1
    except SQLAlchemyError as problem:
        # Unreachable server, wrong password...: the transaction never committed.
        progress.finish()
        _note(f"novel-pyramid db copy: database error, nothing was copied: {problem}")
        return 1
    progress.finish()
    print_verification(report, sys.stdout)
    rate = report.rows / report.seconds if report.seconds else 0.0
    print(f"Copied and verified {report.rows} rows in {report.seconds:.1f} s ({rate:.0f} rows/s).")
    return 0


def print_verification(report, stream):
    print("Verification: row count and SHA-256 over every column, both sides", file=stream)
    header = f"{'table':<14} {'source rows':>11} {'target rows':>11}  {'source sha256':<16}  "
    print(header + f"{'target sha256':<16}  result", file=stream)
    for result in report.tables:
        source, target = result.source, result.target
        print(
            f"{result.name:<14} {_rows(source):>11} {_rows(target):>11}  {_hash(source):<16}  "
            f"{_hash(target):<16}  {'equal' if result.verified else 'DIFFERENT'}",
            file=stream,
        )


class ProgressDisplay:
    """Rows copied per table: one updating line on a terminal, else a line per batch."""

    def __init__(self, stream):
        self.stream = stream
        self.on_terminal = stream.isatty()
        self.pending_newline = False

    def __call__(self, table_name, done, total):
        line = f"copy {table_name}: {done}/{total} rows"
        if self.on_terminal:
            self.stream.write(f"\r{line}\x1b[K")
            self.pending_newline = True
            if done == total:
                self.finish()
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def finish(self):
        if self.pending_newline:
            self.stream.write("\n")
            self.pending_newline = False


def _rows(digest):
    return "-" if digest is None else str(digest.rows)


def _hash(digest):
    return "-" if digest is None else digest.sha256[:16]


def _note(message):
    print(message, file=sys.stderr, flush=True)


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def _positive_int(raw):
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value
