"""What the fake Google server keeps: spreadsheets, their tabs and cells, and who may do what with them.

A spreadsheet is either one our app created through the API (the fake's
``_create``) or one that already existed in the user's Drive (``add_spreadsheet``
in a test). The difference matters for Drive: under the ``drive.file`` scope
that our app asks for, Drive only lets the app see and share files the app
created (or the user opened with it); any other file is "not found".
"""

import re
from dataclasses import dataclass, field

ROOT_FOLDER = "root-folder-id"
DEFAULT_ROWS, DEFAULT_COLUMNS = 1000, 26

# Who the signed-in user is to a spreadsheet: owner or writer may edit it,
# reader may only read it, and "none" cannot even open it.
EDITORS = ("owner", "writer")
ACCESS_LEVELS = (*EDITORS, "reader", "none")

# A sheet name, quoted ('It''s here') or plain, then an optional A1 cell range.
_RANGE = re.compile(
    r"^(?:'(?P<quoted>(?:[^']|'')+)'|(?P<plain>[^'!:]+))"
    r"(?:!(?P<c1>[A-Z]+)(?P<r1>\d+):(?P<c2>[A-Z]+)(?P<r2>\d+))?$"
)


@dataclass
class Tab:
    """One sheet (tab) of a spreadsheet; cells are keyed by 1-based (row, column)."""

    sheet_id: int
    title: str
    index: int = 0
    row_count: int = DEFAULT_ROWS
    column_count: int = DEFAULT_COLUMNS
    frozen_rows: int = 0
    cells: dict = field(default_factory=dict)

    def row(self, number):
        return [self.cells.get((number, column)) for column in range(1, self.column_count + 1)]

    def last_row(self):
        """The last row holding a value in any column, 0 for an empty tab."""
        return max((row for (row, _), value in self.cells.items() if value not in (None, "")), default=0)

    def values(self):
        """The tab's values as Sheets returns them: up to the last row, each row trimmed of trailing blanks."""
        rows = []
        for number in range(1, self.last_row() + 1):
            row = [self.cells.get((number, column)) for column in range(1, self.column_count + 1)]
            while row and row[-1] in (None, ""):
                row.pop()
            # FORMATTED_VALUE, the default rendering: every value comes back as the text shown.
            rows.append(["" if value is None else str(value) for value in row])
        return rows

    def fill(self, rows, first_row=1):
        for row_offset, row in enumerate(rows):
            for column_offset, value in enumerate(row):
                self.cells[(first_row + row_offset, 1 + column_offset)] = value

    def properties(self):
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": {
                "rowCount": self.row_count,
                "columnCount": self.column_count,
                "frozenRowCount": self.frozen_rows,
            },
        }


@dataclass
class Spreadsheet:
    id: str
    title: str
    tabs: list
    created_by_app: bool = True
    access: str = "owner"
    format_requests: list = field(default_factory=list)
    parents: list = field(default_factory=lambda: [ROOT_FOLDER])
    permissions: list = field(default_factory=list)

    @property
    def url(self):
        return f"https://docs.google.com/spreadsheets/d/{self.id}/edit"

    def tab(self, title):
        """The tab called exactly ``title`` (Sheets matches ranges by exact name), or None."""
        return next((tab for tab in self.tabs if tab.title == title), None)

    def tab_by_id(self, sheet_id):
        return next((tab for tab in self.tabs if tab.sheet_id == sheet_id), None)

    def has_tab_named(self, title):
        """Sheets refuses a second tab whose name differs only in case."""
        return any(tab.title.casefold() == title.casefold() for tab in self.tabs)

    # The first tab, for the tests of single-tab spreadsheets.
    @property
    def first_tab(self):
        return self.tabs[0]

    def row(self, number):
        return self.first_tab.row(number)

    def resource(self):
        return {
            "spreadsheetId": self.id,
            "spreadsheetUrl": self.url,
            "properties": {"title": self.title},
            "sheets": [{"properties": tab.properties()} for tab in self.tabs],
        }


@dataclass(frozen=True)
class A1Range:
    sheet: str
    first_row: int | None = None
    first_column: int | None = None
    last_row: int | None = None
    last_column: int | None = None

    @property
    def has_cells(self):
        return self.first_row is not None


def parse_range(text):
    """``'Tab ''1'''!A1:B20`` -> A1Range; None when Sheets could not parse it."""
    match = _RANGE.match(text)
    if not match:
        return None
    sheet = match.group("quoted").replace("''", "'") if match.group("quoted") else match.group("plain")
    if not match.group("c1"):
        return A1Range(sheet)
    return A1Range(
        sheet,
        int(match.group("r1")),
        column_number(match.group("c1")),
        int(match.group("r2")),
        column_number(match.group("c2")),
    )


def column_number(letters):
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number
