"""The google_sheets exporter: a new spreadsheet in the user's Drive, one numbered sentence per row.

Steps, each one Sheets or Drive request (retried when Google says it is
temporary): create the spreadsheet already sized for every row, write the rows
in batches, format the header and size the columns, then move the file into
the requested folder.
"""

import json

import colander
from zope.interface import implementer

from novel_pyramid.api.colander_types import StrictMapping, StrictString
from novel_pyramid.exporters.google_client import GoogleApis, folder_not_found
from novel_pyramid.exporters.interfaces import RESULT_URL, ExportResult, IExporter
from novel_pyramid.exporters.options import folder_id_node, include_original_node

SHEET_TITLE = "Sentences"
TITLE_MAX_LENGTH = 255
# Google recommends request payloads of at most 2 MB and allows 60 write
# requests per minute per user. Batches of up to 2,000 rows and 1.5 MB (leaving
# room for the JSON around the values) keep 10,000 short sentences to 5
# requests and 10,000 sentences of 5,000 characters to about 35.
MAX_ROWS_PER_REQUEST = 2000
MAX_BYTES_PER_REQUEST = 1_500_000
HEADER_BACKGROUND = {"red": 0.85, "green": 0.89, "blue": 0.96}
INDEX_COLUMN_PIXELS = 70
SENTENCE_COLUMN_PIXELS = 600


class GoogleSheetsOptions(StrictMapping):
    # allow_empty keeps "" from passing as "not given": the Length validator then refuses it.
    title = colander.SchemaNode(
        StrictString(allow_empty=True),
        validator=colander.Length(1, TITLE_MAX_LENGTH),
        missing=colander.drop,
        description="Spreadsheet title; defaults to the uploaded file's name.",
    )
    folder_id = folder_id_node()
    include_original = include_original_node()


def header_row(with_original):
    return ["Index", "Sentence", "Original sentence"] if with_original else ["Index", "Sentence"]


def column_letter(count):
    return "ABC"[count - 1]


def row_values(row, with_original):
    # Index as a number, text as strings; RAW input stores both exactly as sent.
    values = [row.index, row.sentence]
    if with_original:
        values.append(row.original or "")
    return values


def batches(header, rows, with_original, max_rows=MAX_ROWS_PER_REQUEST, max_bytes=MAX_BYTES_PER_REQUEST):
    """Yield ``(first_row_number, values)`` blocks of consecutive rows within the request limits."""
    block, block_bytes, first = [header], len(json.dumps(header)), 1
    for row in rows:
        values = row_values(row, with_original)
        size = len(json.dumps(values, ensure_ascii=False).encode("utf-8"))
        if block and (len(block) >= max_rows or block_bytes + size > max_bytes):
            yield first, block
            first += len(block)
            block, block_bytes = [], 0
        block.append(values)
        block_bytes += size
    if block:
        yield first, block


def formatting_requests(sheet_id, column_count):
    """batchUpdate requests: a bold shaded header, sized and wrapped sentence columns."""
    header = {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 1}
    text_columns = {"sheetId": sheet_id, "startColumnIndex": 1, "endColumnIndex": column_count}
    return [
        {
            "repeatCell": {
                "range": header,
                "cell": {"userEnteredFormat": {"textFormat": {"bold": True}, "backgroundColor": HEADER_BACKGROUND}},
                "fields": "userEnteredFormat(textFormat,backgroundColor)",
            }
        },
        {
            "repeatCell": {
                "range": text_columns,
                "cell": {"userEnteredFormat": {"wrapStrategy": "WRAP", "verticalAlignment": "TOP"}},
                "fields": "userEnteredFormat(wrapStrategy,verticalAlignment)",
            }
        },
        {
            "updateDimensionProperties": {
                "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1},
                "properties": {"pixelSize": INDEX_COLUMN_PIXELS},
                "fields": "pixelSize",
            }
        },
        {
            "updateDimensionProperties": {
                "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": 1, "endIndex": column_count},
                "properties": {"pixelSize": SENTENCE_COLUMN_PIXELS},
                "fields": "pixelSize",
            }
        },
    ]


@implementer(IExporter)
class GoogleSheetsExporter:
    name = "google_sheets"
    result_kind = RESULT_URL
    options_schema = GoogleSheetsOptions()

    def __init__(self, settings):
        self.settings = settings

    @classmethod
    def from_settings(cls, settings):
        return cls(settings)

    def export(self, source, options, owner):
        with_original = bool(options.get("include_original")) and source.has_originals
        columns = len(header_row(with_original))
        title = options.get("title") or source.title
        with GoogleApis(owner, self.settings) as google:
            created = google.call(
                google.sheets.spreadsheets().create(
                    body=self._spreadsheet_body(title, source.sentence_count + 1, columns),
                    fields="spreadsheetId,spreadsheetUrl,sheets.properties",
                ),
                "create the spreadsheet",
            )
            spreadsheet_id = created["spreadsheetId"]
            sheet_id = created["sheets"][0]["properties"]["sheetId"]
            last_column = column_letter(columns)
            for first, block in batches(header_row(with_original), source.rows(), with_original):
                last = first + len(block) - 1
                # Explicit ranges (not values.append) make a retried write idempotent:
                # a batch that reached Google before a 500 is rewritten, not duplicated.
                google.call(
                    google.sheets.spreadsheets()
                    .values()
                    .update(
                        spreadsheetId=spreadsheet_id,
                        range=f"'{SHEET_TITLE}'!A{first}:{last_column}{last}",
                        # RAW: "=SUM(A1)", "+33" or "@user" are stored as text, never evaluated.
                        valueInputOption="RAW",
                        body={"majorDimension": "ROWS", "values": block},
                    ),
                    f"write rows {first}-{last}",
                )
            google.call(
                google.sheets.spreadsheets().batchUpdate(
                    spreadsheetId=spreadsheet_id,
                    body={"requests": formatting_requests(sheet_id, columns)},
                ),
                "format the spreadsheet",
            )
            if options.get("folder_id"):
                self._move_to_folder(google, spreadsheet_id, options["folder_id"])
        return ExportResult(url=created["spreadsheetUrl"], details={"spreadsheet_id": spreadsheet_id})

    @staticmethod
    def _spreadsheet_body(title, row_count, column_count):
        # Sized up front: a new sheet has 1,000 rows, and writing past its grid fails.
        return {
            "properties": {"title": title, "locale": "fr_FR"},
            "sheets": [
                {
                    "properties": {
                        "sheetId": 0,
                        "title": SHEET_TITLE,
                        "gridProperties": {"rowCount": row_count, "columnCount": column_count, "frozenRowCount": 1},
                    }
                }
            ],
        }

    @staticmethod
    def _move_to_folder(google, spreadsheet_id, folder_id):
        drive_files = google.drive.files()
        current = google.call(
            drive_files.get(fileId=spreadsheet_id, fields="parents", supportsAllDrives=True),
            "read the spreadsheet's folder",
        )
        google.call(
            drive_files.update(
                fileId=spreadsheet_id,
                addParents=folder_id,
                removeParents=",".join(current.get("parents", [])),
                fields="id,parents",
                supportsAllDrives=True,
            ),
            "move the spreadsheet into the folder",
            # Drive answers 404 for a folder that does not exist or is not shared with us.
            not_found=folder_not_found(folder_id),
        )
