"""The csv exporter: a UTF-8 CSV download (RFC 4180 quoting), streamed row by row.

A byte-order mark is optional: Excel needs it to read UTF-8 accents, while
most other programs show it as a stray character.
"""

import csv
import io
import unicodedata

from zope.interface import implementer

from novel_pyramid.exporters.interfaces import RESULT_FILE, ExportResult, IExporter
from novel_pyramid.exporters.options import flag_node, include_original_node
from novel_pyramid.schema.types import StrictMapping

UTF8_BOM = "\ufeff".encode()
# Spreadsheet programs run a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_WRITE = 200


class CsvOptions(StrictMapping):
    bom = flag_node(description="Start with a UTF-8 byte-order mark (for Excel).")
    include_original = include_original_node()
    escape_formulas = flag_node(
        description="Prefix cells that start with = + - @ with an apostrophe so spreadsheet programs "
        "show them as text. Off by default: it changes the text (French dialogue often starts with -)."
    )


def escape_formula(text):
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def download_filename(title, extension):
    """An ASCII file name from the job's title ("Le Père Goriot.pdf" -> "Le Pere Goriot.csv").

    Plain ASCII because HTTP headers are Latin-1 and browsers disagree on the rest.
    """
    stem = title.rsplit(".", 1)[0] if title.lower().endswith(".pdf") else title
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    safe = "".join(char if char.isalnum() or char in " -_" else "_" for char in ascii_stem).strip()
    return f"{(safe or 'sentences')[:100]}.{extension}"


def csv_lines(source, options):
    """Yield the CSV as UTF-8 byte blocks, a few hundred rows at a time."""
    with_original = bool(options.get("include_original")) and source.has_originals
    escape = escape_formula if options.get("escape_formulas") else str
    buffer = io.StringIO()
    # QUOTE_MINIMAL quotes exactly the fields holding a quote, comma or line break,
    # and doubles inner quotes; CRLF line ends are what RFC 4180 and Excel expect.
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    if options.get("bom"):
        yield UTF8_BOM
    writer.writerow(["index", "sentence", "original"] if with_original else ["index", "sentence"])
    pending = 1
    for row in source.rows():
        values = [row.index, escape(row.sentence)]
        if with_original:
            values.append(escape(row.original or ""))
        writer.writerow(values)
        pending += 1
        if pending >= ROWS_PER_WRITE:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue().encode("utf-8")


@implementer(IExporter)
class CsvExporter:
    name = "csv"
    result_kind = RESULT_FILE
    options_schema = CsvOptions()

    @classmethod
    def from_settings(cls, settings):
        return cls()

    def export(self, source, options, owner):
        return ExportResult(
            body=csv_lines(source, options),
            content_type="text/csv; charset=utf-8",
            filename=download_filename(source.title, "csv"),
        )
