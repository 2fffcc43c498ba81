"""An uploaded CSV or text file to entries: its encoding detected, one word a line or the word column.

Files come from Excel, LibreOffice, Google Sheets exports and text editors:
UTF-8 with or without a BOM, UTF-16 with a BOM (Excel's "Unicode text"), or
Windows-1252/Latin-1 (Excel's CSV on Windows). A CSV's delimiter is sniffed
among comma, semicolon (French Excel) and tab. The word is the column a header
names ``word``, ``mot``, ``lemma`` or ``lemme``, else the first column.
"""

import codecs
import csv
import io

from novel_pyramid.errors import InvalidInput, PayloadTooLarge
from novel_pyramid.wordlists.ingestion import Entry

DELIMITERS = ",;\t"
WORD_HEADERS = frozenset({"word", "words", "mot", "mots", "lemma", "lemme", "lemmes", "vocabulary", "vocabulaire"})
SNIFF_BYTES = 8192


def read_upload(upload, max_bytes, field="file"):
    """The entries of an uploaded file (webob's FieldStorage), refusing a larger or a binary one."""
    data = upload.file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"The file is larger than the limit of {max_bytes:,} bytes for a word list.",
            details={field: [f"Must be at most {max_bytes:,} bytes"]},
        )
    return entries_of_text(decode(data, field))


def decode(data, field="file"):
    """The text of ``data``: a BOM's encoding, else UTF-8, else Windows-1252, else Latin-1."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                _refuse(field, f"Starts as {encoding.upper()} but is not valid {encoding.upper()} text")
            return _checked(text.removeprefix("\ufeff"), field)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            # The five bytes Windows-1252 leaves undefined: Latin-1 reads them as controls.
            text = data.decode("latin-1")
    return _checked(text, field)


def _checked(text, field):
    if "\x00" in text:
        _refuse(field, "Is not a text file: send a CSV or a text file with one word a line")
    return text


def entries_of_text(text):
    """``Entry`` objects (with their line numbers) of a CSV or one-word-a-line text."""
    lines = text.splitlines()
    delimiter = _delimiter(text[:SNIFF_BYTES])
    if delimiter is None:
        return [Entry(line, number) for number, line in enumerate(lines, 1)]
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    return entries_of_rows(rows)


def entries_of_rows(rows, first_row_is_header=False):
    """The word column of ``rows`` (lists of cells): a header naming it, else the first column.

    ``first_row_is_header`` skips the first row even when it names no word column.
    """
    if not rows:
        return []
    column = word_column(rows[0])
    start = 1 if column is not None or first_row_is_header else 0
    column = column or 0
    return [
        Entry(row[column] if len(row) > column else "", number) for number, row in enumerate(rows[start:], start + 1)
    ]


def word_column(header):
    """The index of the header cell naming the word column, or None."""
    for index, cell in enumerate(header):
        if str(cell).strip().casefold() in WORD_HEADERS:
            return index
    return None


def _delimiter(sample):
    """The delimiter a CSV sample uses, or None for one word a line."""
    if not any(delimiter in sample for delimiter in DELIMITERS):
        return None
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        # A single delimiter kind is enough to tell (a one-column file with a few commas in cells is rare).
        counts = {delimiter: sample.count(delimiter) for delimiter in DELIMITERS}
        return max(counts, key=counts.get)


def _refuse(field, message):
    raise InvalidInput(f"{field}: {message}", details={field: [message]})
