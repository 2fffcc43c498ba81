"""Reading the first tab of a Google spreadsheet with the user's own Google grant.

The same clients, retries and error mapping as the Sheets exporter
(``google_client``). A spreadsheet that does not exist or that the user's
account cannot open is one 400 naming the request's field; a user without a
grant, or whose grant Google refuses, is a 403 asking them to sign in with
Google again. Word lists and coverage's sentence import both read through here.
"""

import re
from dataclasses import dataclass

from novel_pyramid.errors import InvalidInput
from novel_pyramid.exporters.google_auth import require_sheets_grant
from novel_pyramid.exporters.google_client import GoogleApis
from novel_pyramid.exporters.sheet_writing import quoted_tab

_ID = re.compile(r"[A-Za-z0-9_-]{10,255}")
_URL_ID = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")
# What ``spreadsheet_id_of`` accepts, as a JSON Schema (ECMA-262) pattern for API documents.
SHEET_REFERENCE_PATTERN = r"^\s*([A-Za-z0-9_-]{10,255}|.*/spreadsheets/d/[A-Za-z0-9_-]{10,255}([^A-Za-z0-9_-].*)?)\s*$"


@dataclass(frozen=True)
class FirstTab:
    """The spreadsheet's title and its first tab's rows, each a list of the cells' shown text."""

    spreadsheet_title: str
    rows: list


def spreadsheet_id_of(reference, field="sheet_url"):
    """The id in a spreadsheet's address (``.../spreadsheets/d/{id}/edit``), or the id itself."""
    reference = (reference or "").strip()
    match = _URL_ID.search(reference)
    candidate = match.group(1) if match else reference
    if not _ID.fullmatch(candidate):
        message = "Must be a Google Sheets address (https://docs.google.com/spreadsheets/d/…) or a spreadsheet id"
        raise InvalidInput(f"{field}: {message}", details={field: [message]})
    return candidate


def _cannot_open(spreadsheet_id, field):
    def report():
        message = (
            f"The spreadsheet {spreadsheet_id!r} was not found, or your Google account cannot open it; "
            "check the address and that it is shared with you"
        )
        return InvalidInput(message, details={field: [message]})

    return report


def read_first_tab(user, settings, spreadsheet_id, *, field="sheet_url", action="read the spreadsheet"):
    """The ``FirstTab`` of the spreadsheet; ``action`` names the read in Google's error messages."""
    require_sheets_grant(user)
    cannot_open = _cannot_open(spreadsheet_id, field)
    errors = {400: cannot_open, 403: cannot_open, 404: cannot_open}
    with GoogleApis(user, settings) as google:
        spreadsheet = google.call(
            google.sheets.spreadsheets().get(spreadsheetId=spreadsheet_id, fields="properties.title,sheets.properties"),
            "open the spreadsheet",
            errors=errors,
        )
        tabs = sorted(
            (sheet["properties"] for sheet in spreadsheet.get("sheets", [])), key=lambda tab: tab.get("index", 0)
        )
        if not tabs:
            raise cannot_open()
        answer = google.call(
            google.sheets.spreadsheets()
            .values()
            .get(spreadsheetId=spreadsheet_id, range=quoted_tab(tabs[0]["title"]), majorDimension="ROWS"),
            action,
            errors=errors,
        )
    rows = [[str(cell) for cell in row] for row in answer.get("values", [])]
    title = str(spreadsheet.get("properties", {}).get("title") or "").strip()
    return FirstTab(spreadsheet_title=title, rows=rows)
