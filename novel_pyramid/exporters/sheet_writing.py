"""Writing rows into a tab: batches within Google's limits, at explicit ranges, then the formatting.

Every batch goes to an explicit A1 range (``values.update``) rather than through
``values.append``: a batch that reached Google before a 500 is rewritten in
place when it is retried, never added a second time. Appending to a tab that
already holds data works the same way, from the row after its last one.
"""

import json

HEADER_BACKGROUND = {"red": 0.85, "green": 0.89, "blue": 0.96}
# Google recommends request payloads of at most 2 MB and allows 60 write
# requests per minute per user. Batches of up to 2,000 rows and 1.5 MB (leaving
# room for the JSON around the values) keep 10,000 short sentences to 5
# requests and 10,000 sentences of 5,000 characters to about 35.
MAX_ROWS_PER_REQUEST = 2000
MAX_BYTES_PER_REQUEST = 1_500_000


def quoted_tab(title):
    """A tab's name as A1 notation wants it: in single quotes, inner quotes doubled."""
    return "'" + title.replace("'", "''") + "'"


def column_letters(number):
    """1 -> A, 26 -> Z, 27 -> AA."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def batches(rows, first_row=1, max_rows=MAX_ROWS_PER_REQUEST, max_bytes=MAX_BYTES_PER_REQUEST):
    """Yield ``(first_row_number, values)`` blocks of consecutive rows within the request limits."""
    block, block_bytes, first = [], 0, first_row
    for values in rows:
        size = len(json.dumps(values, ensure_ascii=False).encode("utf-8"))
        if block and (len(block) >= max_rows or block_bytes + size > max_bytes):
            yield first, block
            first += len(block)
            block, block_bytes = [], 0
        block.append(values)
        block_bytes += size
    if block:
        yield first, block


def write_rows(google, spreadsheet_id, tab_title, rows, first_row, column_count, errors=None):
    """Write ``rows`` (lists of cell values) from ``first_row`` on; the tab's grid must already fit them."""
    last_column = column_letters(column_count)
    for first, block in batches(rows, first_row):
        last = first + len(block) - 1
        google.call(
            google.sheets.spreadsheets()
            .values()
            .update(
                spreadsheetId=spreadsheet_id,
                range=f"{quoted_tab(tab_title)}!A{first}:{last_column}{last}",
                # RAW: "=SUM(A1)", "+33" or "@user" are stored as text, never evaluated.
                valueInputOption="RAW",
                body={"majorDimension": "ROWS", "values": block},
            ),
            f"write rows {first}-{last}",
            errors=errors,
        )


def formatting_requests(sheet_id, columns, freeze_header=False):
    """batchUpdate requests: a bold shaded header, a narrow number column, wide wrapped text columns."""
    requests = [
        {
            "repeatCell": {
                "range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 1},
                "cell": {"userEnteredFormat": {"textFormat": {"bold": True}, "backgroundColor": HEADER_BACKGROUND}},
                "fields": "userEnteredFormat(textFormat,backgroundColor)",
            }
        }
    ]
    for position, column in enumerate(columns):
        span = {"startIndex": position, "endIndex": position + 1}
        if column.is_text:
            requests.append(
                {
                    "repeatCell": {
                        "range": {
                            "sheetId": sheet_id,
                            "startColumnIndex": position,
                            "endColumnIndex": position + 1,
                        },
                        "cell": {"userEnteredFormat": {"wrapStrategy": "WRAP", "verticalAlignment": "TOP"}},
                        "fields": "userEnteredFormat(wrapStrategy,verticalAlignment)",
                    }
                }
            )
        requests.append(
            {
                "updateDimensionProperties": {
                    "range": {"sheetId": sheet_id, "dimension": "COLUMNS", **span},
                    "properties": {"pixelSize": column.pixels},
                    "fields": "pixelSize",
                }
            }
        )
    if freeze_header:
        requests.append(
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": sheet_id, "gridProperties": {"frozenRowCount": 1}},
                    "fields": "gridProperties.frozenRowCount",
                }
            }
        )
    return requests
