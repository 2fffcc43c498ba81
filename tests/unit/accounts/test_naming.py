"""Spreadsheet names made from the user's sheet-name pattern."""

import datetime

import pytest

from novel_pyramid.accounts.naming import DEFAULT_SHEET_NAME, sheet_name_from_pattern

DAY = datetime.date(2026, 12, 2)


@pytest.mark.parametrize(
    "pattern,filename,expected",
    [
        ("{filename}_{date}", "Le Petit Prince.pdf", "Le Petit Prince_2026-12-02"),
        ("{filename}_{date}", "roman.PDF", "roman_2026-12-02"),
        ("{filename}_{date}", None, f"{DEFAULT_SHEET_NAME}_2026-12-02"),
        ("Lecture {date}", "x.pdf", "Lecture 2026-12-02"),
        ("{title} {date}", "x.pdf", "{title} 2026-12-02"),
        (None, "x.pdf", DEFAULT_SHEET_NAME),
        ("", "x.pdf", DEFAULT_SHEET_NAME),
        ("   ", "x.pdf", DEFAULT_SHEET_NAME),
    ],
)
def test_pattern(pattern, filename, expected):
    assert sheet_name_from_pattern(pattern, filename, today=DAY) == expected


def test_a_long_file_name_is_cut_to_what_sheets_accepts():
    assert len(sheet_name_from_pattern("{filename}", "x" * 400 + ".pdf", today=DAY)) == 255


def test_a_file_name_holding_a_placeholder_is_kept_as_written():
    assert sheet_name_from_pattern("{date} {filename}", "{date}.pdf", today=DAY) == "2026-12-02 {date}"
