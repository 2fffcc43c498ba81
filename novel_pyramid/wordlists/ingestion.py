"""Raw entries to a list's keys, counting what does not become one: duplicates, junk, variants.

An entry is one cell or line. ``un|une`` and ``avoir/être`` are variants, each
its own entry. Each entry goes through ``entry_keys`` (lower case, elision,
lemma); one without a key is junk, one whose key an earlier entry already gave
is a duplicate. Both are counted in full and named up to ``REPORTED_ITEMS``,
so nothing is lost without a word. No list is made of no word, nor of more
entries than the settings allow.
"""

import re
from dataclasses import dataclass, field

from novel_pyramid.errors import InvalidInput
from novel_pyramid.wordlists.models import REPORTED_ITEMS, SAMPLE_SIZE

VARIANT_SEPARATORS = re.compile(r"\s*[|/]\s*")
# Zero-width characters and the BOM, which spreadsheets leave in cells.
INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff]")
# No French word or expression is longer; a longer entry is not sent to the lemmatiser.
MAX_ENTRY_LENGTH = 100


@dataclass(frozen=True)
class Entry:
    text: str
    line: int | None = None


@dataclass
class IngestionReport:
    """What an ingestion read and made (the frontend's IngestionReport, with full counts beside the lists)."""

    original_count: int = 0
    normalized_count: int = 0
    duplicate_count: int = 0
    junk_count: int = 0
    blank_lines: int = 0
    variants_expanded: int = 0
    duplicates: list = field(default_factory=list)
    anomalies: list = field(default_factory=list)
    multi_token_entries: list = field(default_factory=list)


@dataclass(frozen=True)
class Ingestion:
    keys: list
    samples: list
    report: IngestionReport


def as_entries(items):
    """``Entry`` objects from strings (manual lists, numbered from 1) or entries already."""
    return [item if isinstance(item, Entry) else Entry(item, number) for number, item in enumerate(items, 1)]


def split_entries(entries, report):
    """The non-blank variants of ``entries``, cleaned of invisible characters and outer spaces."""
    variants = []
    for entry in entries:
        text = INVISIBLE.sub("", entry.text).strip()
        if not text:
            report.blank_lines += 1
            continue
        parts = [part for part in VARIANT_SEPARATORS.split(text) if part]
        report.variants_expanded += max(len(parts) - 1, 0)
        variants.extend(Entry(part, entry.line) for part in parts)
    return variants


def _note(items, item):
    if len(items) < REPORTED_ITEMS:
        items.append(item)


def ingest(entries, *, keys_for, fold_diacritics, max_entries, field_name):
    """The keys of ``entries`` and the report; ``InvalidInput`` on ``field_name`` for none or too many.

    ``keys_for(texts, fold_diacritics=...)`` is ``entry_keys``: one key or None per text.
    """
    report = IngestionReport()
    variants = split_entries(as_entries(entries), report)
    report.original_count = len(variants)
    if not variants:
        _refuse(field_name, "The list has no words: send at least one word")
    if len(variants) > max_entries:
        _refuse(
            field_name,
            f"The list has {len(variants):,} entries; a list may have at most {max_entries:,}. "
            "Split it into smaller lists.",
        )
    short = [entry for entry in variants if len(entry.text) <= MAX_ENTRY_LENGTH]
    keys = iter(keys_for([entry.text for entry in short], fold_diacritics=fold_diacritics))
    seen = {}
    for entry in variants:
        if len(entry.text) > MAX_ENTRY_LENGTH:
            key, issue = None, "too_long"
        else:
            key, issue = next(keys), "not_a_word"
        if key is None:
            report.junk_count += 1
            _note(report.anomalies, {"word": entry.text[:MAX_ENTRY_LENGTH], "issue": issue, "line": entry.line})
            continue
        if len(entry.text.split()) > 1:
            _note(report.multi_token_entries, {"original": entry.text, "head_token": key})
        if key in seen:
            report.duplicate_count += 1
            _note(report.duplicates, {"word": entry.text, "normalized": key, "line": entry.line})
            continue
        seen[key] = entry
    if not seen:
        _refuse(
            field_name,
            f"None of the {len(variants):,} entries is a word we can use (numbers, punctuation or empty cells?)",
        )
    # The list's own order (a frequency list's ranks), each key once.
    ordered = list(seen)
    report.normalized_count = len(ordered)
    return Ingestion(keys=ordered, samples=ordered[:SAMPLE_SIZE], report=report)


def _refuse(field_name, message):
    raise InvalidInput(message, details={field_name: [message]})
