"""Sentences from a Google Sheet, for a coverage run (``POST /coverage/import-from-sheets``, docs/coverage.md).

The sheet is the shape our own exports write (``Index``, ``Sentence``): the
first tab's columns A and B are read, a first row naming ``index`` or
``sentence`` is a header, and each row's sentence is its column B, or its only
cell when that is not a bare number (a row holding nothing but its index).
The sentences become a history entry (``IHistoryService.record_import``),
which a run then reads as a ``history`` source.
"""

import re

from novel_pyramid.errors import InvalidInput

FIELD = "sheet_url"
HEADER_NAMES = frozenset({"index", "sentence"})
# Longer than a paragraph is no sentence to learn from, and a few such cells
# would make the entry's snapshot as large as a book; such a sheet is refused,
# naming the row, rather than cut where the sentence happens to reach the bound.
MAX_SENTENCE_CHARS = 1000
_BARE_NUMBER = re.compile(r"[0-9]+")


def _invalid(message):
    return InvalidInput(message, details={FIELD: [message]})


def _is_header(row):
    return any(cell.strip().casefold() in HEADER_NAMES for cell in row[:2])


def _sentence_of(row):
    """The row's sentence with its spaces and line breaks made single spaces, or "" for none."""
    if len(row) >= 2:
        text = row[1]
    elif len(row) == 1 and not _BARE_NUMBER.fullmatch(row[0].strip()):
        text = row[0]
    else:
        text = ""
    return " ".join(text.split())


def sentences_of_rows(rows, max_sentences):
    """The sentences of the first tab's ``rows`` (lists of cell texts), in order.

    ``InvalidInput`` (naming ``sheet_url``) when there are none, more than
    ``max_sentences``, or one longer than ``MAX_SENTENCE_CHARS``.
    """
    start = 1 if rows and _is_header(rows[0]) else 0
    sentences = []
    for number, row in enumerate(rows[start:], start + 1):
        sentence = _sentence_of(row)
        if not sentence:
            continue
        if len(sentence) > MAX_SENTENCE_CHARS:
            raise _invalid(
                f"Row {number} of the sheet holds {len(sentence):,} characters; a sentence may have at most "
                f"{MAX_SENTENCE_CHARS:,}: split it or remove it"
            )
        sentences.append(sentence)
    if not sentences:
        raise _invalid(
            "No sentences found in the sheet's first tab: put one sentence a row in column B "
            "(after an Index column), or in column A alone"
        )
    if len(sentences) > max_sentences:
        raise _invalid(
            f"The sheet holds {len(sentences):,} sentences; one import takes at most {max_sentences:,}: "
            "split it into several sheets"
        )
    return sentences


def import_filename(spreadsheet_title):
    """The entry's name in the history list."""
    return f"Google Sheets Import ({spreadsheet_title or 'Untitled'})"
