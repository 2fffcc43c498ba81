"""The source of a copy, brought to our schema without touching the user's file.

A legacy SQLite database (the Flask version's) is first copied to a
temporary snapshot with SQLite's online backup, which is consistent even while
the old application still runs; the snapshot is upgraded to our head and read.
The original file changes only when the user asks for an in-place upgrade.
"""

import contextlib
import os
import sqlite3
import tempfile

from sqlalchemy.engine import make_url

from novel_pyramid.db.migrate import (
    current_revision,
    head_revision,
    stamp,
    unversioned_legacy_revision,
    upgrade_to_head,
)


class SourceNotUsable(Exception):
    """The source cannot be read as a novel_pyramid or legacy database."""


@contextlib.contextmanager
def source_at_head(source_url, upgrade_in_place=False, note=print):
    """Yield a URL from which the source's data can be read at our head revision."""
    url = make_url(source_url)
    if url.get_backend_name() != "sqlite":
        _bring_to_head(source_url, upgrade_in_place, note, where="the source database")
        yield source_url
        return
    path = url.database
    if not path or path == ":memory:" or not os.path.isfile(path):
        raise SourceNotUsable(f"The source SQLite file {path!r} does not exist.")
    if upgrade_in_place:
        _bring_to_head(source_url, True, note, where=path)
        yield source_url
        return
    with tempfile.TemporaryDirectory(prefix="novel-pyramid-copy-") as directory:
        snapshot = os.path.join(directory, "source-snapshot.sqlite")
        _snapshot_sqlite(path, snapshot)
        note(f"Reading a snapshot of {path}; the original file is left unchanged.")
        snapshot_url = f"sqlite:///{snapshot}"
        _bring_to_head(snapshot_url, True, note, where="the snapshot")
        yield snapshot_url


def _snapshot_sqlite(path, snapshot):
    # Read-only: a mistyped path must not create an empty database.
    original = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    copy = sqlite3.connect(snapshot)
    try:
        original.backup(copy)
    finally:
        copy.close()
        original.close()


def _bring_to_head(database_url, may_upgrade, note, where):
    head = head_revision()
    revision = current_revision(database_url)
    if revision == head:
        return
    if revision is None:
        revision = _stamp_unversioned_legacy(database_url, may_upgrade, note, where)
    if not may_upgrade:
        raise SourceNotUsable(
            f"{where} is at revision {revision}, not at head {head}. Run "
            "`novel-pyramid db upgrade` against it first, or pass --upgrade-source-in-place."
        )
    note(f"Upgrading {where} from revision {revision} to {head}.")
    upgrade_to_head(database_url)


def _stamp_unversioned_legacy(database_url, may_upgrade, note, where):
    """A legacy database made with ``db.create_all()`` has no alembic_version row."""
    revision = unversioned_legacy_revision(database_url)
    if revision is None:
        raise SourceNotUsable(f"{where} holds neither a novel_pyramid nor a legacy schema.")
    if may_upgrade:
        note(f"{where} has no Alembic revision; its tables match legacy revision {revision}.")
        stamp(database_url, revision)
    return revision
