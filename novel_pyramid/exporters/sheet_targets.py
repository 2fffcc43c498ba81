"""Where an export's rows go: a new spreadsheet, or a tab of one the user already has.

A new spreadsheet is created already sized for every row (a new sheet has
1,000 rows, and writing past its grid fails). Appending finds the tab (creating
it when asked), reads where its data ends, and grows its grid to fit the new
rows before any is written. A tab that holds data gets no header row; a new or
empty one gets the header and the formatting of a new spreadsheet.
"""

from dataclasses import dataclass

from novel_pyramid.errors import Forbidden, InvalidInput
from novel_pyramid.exporters.sheet_writing import quoted_tab

DEFAULT_TAB_TITLE = "Sentences"
SPREADSHEET_FIELDS = "spreadsheetId,spreadsheetUrl,sheets.properties"


@dataclass(frozen=True)
class SheetTarget:
    spreadsheet_id: str
    sheet_id: int
    tab_title: str
    url: str
    first_row: int  # the row the first written row (the header, if any) goes to
    with_header: bool  # a new or empty tab: the header row and the formatting go in too
    freeze_header: bool = False  # an existing empty tab, whose first row is not frozen yet


def spreadsheet_errors(spreadsheet_id, bad_request=None):
    """How Google's refusals of a spreadsheet the user named are reported, keyed by HTTP status.

    ``bad_request`` reports a 400 when the step knows better than "refused to change".
    """

    def not_found():
        message = f"The spreadsheet {spreadsheet_id!r} was not found, or your Google account cannot open it"
        return InvalidInput(message, details={"spreadsheet_id": [message]})

    def refused():
        message = f"Your Google account may not edit the spreadsheet {spreadsheet_id!r}"
        return Forbidden(message, details={"spreadsheet_id": [message]})

    def rejected():
        message = f"Google Sheets refused to change the spreadsheet {spreadsheet_id!r}"
        return InvalidInput(message, details={"spreadsheet_id": [message]})

    return {404: not_found, 403: refused, 400: bad_request or rejected}


def _not_a_spreadsheet(spreadsheet_id):
    def report():
        message = f"{spreadsheet_id!r} is not a spreadsheet Google Sheets can write to"
        return InvalidInput(message, details={"spreadsheet_id": [message]})

    return report


def _tab_refused(title):
    def report():
        message = f"Google Sheets refused to add the tab {title!r}; choose another tab name"
        return InvalidInput(message, details={"tab_name": [message]})

    return report


def create_spreadsheet(google, title, tab_title, data_rows, column_count):
    """A new spreadsheet with one tab sized for a header and ``data_rows`` rows."""
    created = google.call(
        google.sheets.spreadsheets().create(
            body={
                "properties": {"title": title, "locale": "fr_FR"},
                "sheets": [{"properties": _tab_properties(tab_title, data_rows + 1, column_count, sheet_id=0)}],
            },
            fields=SPREADSHEET_FIELDS,
        ),
        "create the spreadsheet",
    )
    properties = created["sheets"][0]["properties"]
    return SheetTarget(
        spreadsheet_id=created["spreadsheetId"],
        sheet_id=properties["sheetId"],
        tab_title=properties["title"],
        url=created["spreadsheetUrl"],
        first_row=1,
        with_header=True,
    )


def open_tab(google, spreadsheet_id, tab_name, create_new_tab, data_rows, column_count):
    """The tab of an existing spreadsheet that ``data_rows`` rows are appended to, its grid made to fit them."""
    spreadsheet = google.call(
        google.sheets.spreadsheets().get(spreadsheetId=spreadsheet_id, fields=SPREADSHEET_FIELDS),
        "open the spreadsheet",
        errors=spreadsheet_errors(spreadsheet_id, bad_request=_not_a_spreadsheet(spreadsheet_id)),
    )
    errors = spreadsheet_errors(spreadsheet_id)
    tabs = [sheet["properties"] for sheet in spreadsheet.get("sheets", [])]
    tab = find_tab(tabs, tab_name)
    url = spreadsheet["spreadsheetUrl"]
    if tab is None:
        if not create_new_tab:
            raise missing_tab(tab_name, tabs)
        return _add_tab(google, spreadsheet_id, url, tab_name, data_rows, column_count, errors)
    last_row = _last_row_with_data(google, spreadsheet_id, tab["title"], errors)
    with_header = last_row == 0
    _grow_grid(google, spreadsheet_id, tab, last_row + with_header + data_rows, column_count, errors)
    return SheetTarget(
        spreadsheet_id=spreadsheet_id,
        sheet_id=tab["sheetId"],
        tab_title=tab["title"],
        url=tab_url(url, tab["sheetId"]),
        first_row=last_row + 1,
        with_header=with_header,
        freeze_header=with_header,
    )


def find_tab(tabs, tab_name):
    """The tab called ``tab_name`` (exactly, else ignoring case as Sheets does), or the first tab."""
    if tab_name is None:
        return min(tabs, key=lambda tab: tab.get("index", 0), default=None)
    exact = [tab for tab in tabs if tab["title"] == tab_name]
    folded = [tab for tab in tabs if tab["title"].casefold() == tab_name.casefold()]
    return (exact or folded or [None])[0]


def missing_tab(tab_name, tabs):
    names = ", ".join(repr(tab["title"]) for tab in tabs) or "none"
    message = (
        f"The spreadsheet has no tab named {tab_name!r} (its tabs: {names}); "
        "name one of them, or ask for the tab to be created"
    )
    return InvalidInput(message, details={"tab_name": [message]})


def tab_url(spreadsheet_url, sheet_id):
    """The spreadsheet's address, opening on the tab the rows went to."""
    return f"{spreadsheet_url.split('#', 1)[0]}#gid={sheet_id}"


def _tab_properties(title, row_count, column_count, sheet_id=None):
    properties = {
        "title": title,
        "gridProperties": {"rowCount": row_count, "columnCount": column_count, "frozenRowCount": 1},
    }
    if sheet_id is not None:
        properties["sheetId"] = sheet_id
    return properties


def _add_tab(google, spreadsheet_id, url, title, data_rows, column_count, errors):
    answer = google.call(
        google.sheets.spreadsheets().batchUpdate(
            spreadsheetId=spreadsheet_id,
            body={"requests": [{"addSheet": {"properties": _tab_properties(title, data_rows + 1, column_count)}}]},
        ),
        f"add the tab {title!r}",
        errors={**errors, 400: _tab_refused(title)},
    )
    properties = answer["replies"][0]["addSheet"]["properties"]
    return SheetTarget(
        spreadsheet_id=spreadsheet_id,
        sheet_id=properties["sheetId"],
        tab_title=properties["title"],
        url=tab_url(url, properties["sheetId"]),
        first_row=1,
        with_header=True,
    )


def _last_row_with_data(google, spreadsheet_id, tab_title, errors):
    """The number of the tab's last row holding a value in any column (0 when empty).

    Sheets answers a whole-tab range with its values up to the last non-empty
    row, leading empty rows included as empty lists, so the count of rows is
    the last row's number.
    """
    answer = google.call(
        google.sheets.spreadsheets()
        .values()
        .get(spreadsheetId=spreadsheet_id, range=quoted_tab(tab_title), majorDimension="ROWS"),
        f"read where the tab {tab_title!r} ends",
        errors=errors,
    )
    return len(answer.get("values", []))


def _grow_grid(google, spreadsheet_id, tab, rows_needed, columns_needed, errors):
    grid = tab.get("gridProperties", {})
    requests = []
    for dimension, needed, present in (
        ("ROWS", rows_needed, grid.get("rowCount", 0)),
        ("COLUMNS", columns_needed, grid.get("columnCount", 0)),
    ):
        if needed > present:
            requests.append(
                {"appendDimension": {"sheetId": tab["sheetId"], "dimension": dimension, "length": needed - present}}
            )
    if requests:
        google.call(
            google.sheets.spreadsheets().batchUpdate(spreadsheetId=spreadsheet_id, body={"requests": requests}),
            f"make room in the tab {tab['title']!r}",
            errors=errors,
        )
