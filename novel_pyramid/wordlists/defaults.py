"""The shipped global default list (data/french_2k.txt) and its idempotent, versioned installation.

The file holds keys already made by ``entry_keys`` when ``novel-pyramid
wordlists build-default`` wrote it, one a line, after a header of ``#`` lines
that gives its source, licence and ``# version: N``. Installing it needs no
lemmatiser, so it is cheap enough to run after every ``db upgrade``.

Installing: one INSERT ... ON CONFLICT DO NOTHING against the one-default
partial unique index, so two processes installing at once make one row (the
second waits for the first's commit on PostgreSQL, then inserts nothing);
then an UPDATE guarded by ``version < N``, so an older default is brought up
to date in place (its id, which runs and users' settings point at, is kept)
and a newer or equal one is left alone.
"""

import importlib.resources
import re
from dataclasses import dataclass

from sqlalchemy import or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from novel_pyramid.db.types import utcnow
from novel_pyramid.wordlists.models import DEFAULT_CONDITION, SAMPLE_SIZE, SourceType, WordList

DEFAULT_FILE = "french_2k.txt"
DEFAULT_NAME = "French 2K"
# What source_ref says of the shipped list: no upload, no sheet.
SHIPPED_SOURCE_REF = "shipped:french_2k"
_VERSION_LINE = re.compile(r"#\s*version:\s*(\d+)\s*$")


@dataclass(frozen=True)
class ShippedList:
    name: str
    version: int
    keys: tuple
    source_ref: str = SHIPPED_SOURCE_REF


def parse_shipped(text, name=DEFAULT_NAME):
    """A ``ShippedList`` from the file's text: its ``# version:`` and its keys, each once, in order."""
    version, keys = None, {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#"):
            match = _VERSION_LINE.match(line)
            if match:
                version = int(match.group(1))
        elif line:
            keys.setdefault(line, None)
    if version is None or not keys:
        raise ValueError("The shipped word list needs a '# version: N' line and at least one key")
    return ShippedList(name=name, version=version, keys=tuple(keys))


def shipped_default():
    """The French 2K list shipped in this package."""
    text = importlib.resources.files("novel_pyramid.wordlists").joinpath("data", DEFAULT_FILE).read_text("utf-8")
    return parse_shipped(text)


def _values(shipped):
    keys = list(shipped.keys)
    now = utcnow()
    return {
        "owner_user_id": None,
        "name": shipped.name,
        "source_type": SourceType.MANUAL.value,
        "source_ref": shipped.source_ref,
        "word_keys": keys,
        "normalized_count": len(keys),
        "canonical_samples": keys[:SAMPLE_SIZE],
        "original_count": len(keys),
        "duplicate_count": 0,
        "junk_count": 0,
        "duplicates": [],
        "junk": [],
        "fold_diacritics": False,
        "is_global_default": True,
        "version": shipped.version,
        "created_at": now,
        "updated_at": now,
    }


def _insert_statement(dialect_name):
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(WordList).on_conflict_do_nothing(
        index_elements=[WordList.is_global_default], index_where=text(DEFAULT_CONDITION)
    )


def install_default(session, shipped):
    """``(wordlist, "installed" | "updated" | "unchanged")``; see the module's docstring."""
    values = _values(shipped)
    inserted = session.execute(_insert_statement(session.get_bind().dialect.name).values(**values))
    if inserted.rowcount == 1:
        what = "installed"
    else:
        changed = {key: value for key, value in values.items() if key not in ("created_at", "is_global_default")}
        updated = session.execute(
            update(WordList)
            .where(WordList.is_global_default.is_(True))
            .where(or_(WordList.version.is_(None), WordList.version < shipped.version))
            .values(**changed)
            .execution_options(synchronize_session=False)
        )
        what = "updated" if updated.rowcount else "unchanged"
    session.flush()
    wordlist = session.scalar(
        select(WordList).where(WordList.is_global_default.is_(True)).execution_options(populate_existing=True)
    )
    return wordlist, what
