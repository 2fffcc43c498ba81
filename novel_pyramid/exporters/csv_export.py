"""The csv exporter: a UTF-8 CSV download (RFC 4180 quoting), streamed row by row.

A byte-order mark is optional: Excel needs it to read UTF-8 accents, while
most other programs show it as a stray character.
"""

import csv
import io

from novel_pyramid.exporters.files import FileExporter
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


class CsvExporter(FileExporter):
    name = "csv"
    content_type = "text/csv; charset=utf-8"
    options_schema = CsvOptions()

    def body(self, source, options):
        return csv_lines(source, options)
