"""Reading a word list from the first tab of a Google spreadsheet, with the user's own Google grant.

The spreadsheet is read by ``exporters.sheet_reading`` (its errors: a 400
naming the field for a sheet the user cannot open, a 403 without a grant);
here its rows become entries, the word column as in a CSV.
"""

from novel_pyramid.exporters.sheet_reading import read_first_tab, spreadsheet_id_of
from novel_pyramid.wordlists.parsing import entries_of_rows

__all__ = ["read_sheet", "spreadsheet_id_of"]


def read_sheet(user, settings, spreadsheet_id, *, include_header=True, field="sheet_url"):
    """The entries of the spreadsheet's first tab (the word column, as in a CSV)."""
    tab = read_first_tab(user, settings, spreadsheet_id, field=field, action="read the word list")
    return entries_of_rows(tab.rows, first_row_is_header=not include_header)
