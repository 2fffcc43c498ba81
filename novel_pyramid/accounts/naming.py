"""Names of exported spreadsheets, made from the user's sheet-name pattern."""

import datetime
import re

DEFAULT_SHEET_NAME = "French Novel Sentences"
# Google Sheets refuses longer spreadsheet titles from the API's callers.
MAX_SHEET_NAME_LENGTH = 255


def sheet_name_from_pattern(pattern, filename=None, today=None):
    """The spreadsheet name ``pattern`` gives for a novel's ``filename`` on ``today`` (UTC).

    ``{date}`` becomes the date (YYYY-MM-DD) and ``{filename}`` the file name
    without ".pdf"; any other text, braces included, is kept as written.
    Without a pattern the default name is used; a missing file name becomes the
    default name too, so ``{filename}_{date}`` never yields a bare ``_2026-12-02``.
    """
    if not pattern:
        return DEFAULT_SHEET_NAME
    today = today or datetime.datetime.now(datetime.UTC).date()
    stem = re.sub(r"\.pdf$", "", filename or "", flags=re.IGNORECASE).strip() or DEFAULT_SHEET_NAME
    name = pattern.replace("{date}", today.isoformat()).replace("{filename}", stem).strip()
    return name[:MAX_SHEET_NAME_LENGTH] or DEFAULT_SHEET_NAME
