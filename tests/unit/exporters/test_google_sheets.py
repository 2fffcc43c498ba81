"""The Sheets request plan: batches within Google's limits, column layouts, A1 names and formatting."""

import json

import colander
import pytest

from novel_pyramid.exporters.google_sheets import GoogleSheetsOptions
from novel_pyramid.exporters.interfaces import SentenceRow
from novel_pyramid.exporters.sheet_columns import (
    Column,
    columns_from_options,
    default_columns,
    header_values,
    row_values,
)
from novel_pyramid.exporters.sheet_targets import find_tab, tab_url
from novel_pyramid.exporters.sheet_writing import (
    MAX_BYTES_PER_REQUEST,
    MAX_ROWS_PER_REQUEST,
    batches,
    column_letters,
    formatting_requests,
    quoted_tab,
)


def rows(texts, columns=None):
    columns = columns or default_columns(False)
    return (row_values(SentenceRow(index, text, "orig"), columns) for index, text in enumerate(texts, 1))


def with_header(texts, columns=None):
    columns = columns or default_columns(False)
    return [header_values(columns), *rows(texts, columns)]


def test_one_row_is_one_batch_with_the_header():
    assert list(batches(with_header(["Un."]))) == [(1, [["Index", "Sentence"], [1, "Un."]])]


def test_batches_are_consecutive_and_bounded_by_rows():
    planned = list(batches(with_header(["x"] * 4500)))

    assert [(first, len(block)) for first, block in planned] == [(1, 2000), (2001, 2000), (4001, 501)]
    assert all(len(block) <= MAX_ROWS_PER_REQUEST for _, block in planned)


def test_batches_start_where_they_are_told():
    planned = list(batches(rows(["x"] * 2500), first_row=43))

    assert [(first, len(block)) for first, block in planned] == [(43, 2000), (2043, 500)]


def test_batches_are_bounded_by_encoded_size():
    planned = list(batches(with_header(["œ" * 5000] * 300, default_columns(True))))

    assert len(planned) > 1
    for _, block in planned:
        assert len(json.dumps(block, ensure_ascii=False).encode()) <= MAX_BYTES_PER_REQUEST + 100
    assert sum(len(block) for _, block in planned) == 301
    assert planned[0][1][1] == [1, "œ" * 5000, "orig"]


def test_a_single_huge_row_still_goes_alone():
    planned = list(batches([["h"], [1, "a"]], max_bytes=5))

    assert planned == [(1, [["h"]]), (2, [[1, "a"]])]


def test_a_layout_orders_and_labels_the_columns():
    columns = columns_from_options([{"name": "sentence", "header": "Phrase"}, {"name": "index"}], False)

    assert header_values(columns) == ["Phrase", "Index"]
    assert row_values(SentenceRow(7, "Bonjour."), columns) == ["Bonjour.", 7]
    assert columns_from_options(None, True) == default_columns(True)


def test_formatting_follows_the_columns():
    columns = [Column("sentence", "Phrase"), Column("index", "N°")]
    requests = formatting_requests(7, columns)

    assert all(json.dumps(request).count('"sheetId": 7') == 1 for request in requests)
    widths = [r["updateDimensionProperties"] for r in requests if "updateDimensionProperties" in r]
    assert [(w["range"]["startIndex"], w["properties"]["pixelSize"]) for w in widths] == [(0, 600), (1, 70)]
    wrapped = [
        r["repeatCell"]["range"] for r in requests if "startColumnIndex" in r.get("repeatCell", {}).get("range", {})
    ]
    assert wrapped == [{"sheetId": 7, "startColumnIndex": 0, "endColumnIndex": 1}]
    assert not [r for r in requests if "updateSheetProperties" in r]
    assert [r for r in formatting_requests(7, columns, freeze_header=True) if "updateSheetProperties" in r]


@pytest.mark.parametrize(
    ("title", "quoted"), [("Sheet1", "'Sheet1'"), ("L'été", "'L''été'"), ("Chapitre 2 !", "'Chapitre 2 !'")]
)
def test_tab_names_are_quoted_for_a1_ranges(title, quoted):
    assert quoted_tab(title) == quoted


@pytest.mark.parametrize(("number", "letters"), [(1, "A"), (2, "B"), (26, "Z"), (27, "AA"), (703, "AAA")])
def test_column_letters(number, letters):
    assert column_letters(number) == letters


def test_find_tab_prefers_the_exact_name_then_ignores_case_then_takes_the_first():
    tabs = [{"title": "Notes", "index": 1}, {"title": "sheet1", "index": 0}, {"title": "Sheet1", "index": 2}]

    assert find_tab(tabs, "Sheet1")["index"] == 2
    assert find_tab(tabs, "NOTES")["index"] == 1
    assert find_tab(tabs, None)["title"] == "sheet1"
    assert find_tab(tabs, "Absent") is None


def test_tab_url_points_at_the_tab():
    assert tab_url("https://docs.google.com/spreadsheets/d/x/edit#gid=0", 42).endswith("/d/x/edit#gid=42")


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"mode": "append"}, "spreadsheet_id"),
        ({"mode": "replace"}, "mode"),
        ({"mode": "append", "spreadsheet_id": "https://docs.google.com/x"}, "spreadsheet_id"),
        ({"columns": [{"name": "Index"}]}, "columns.0.name"),
        ({"share_with": ["léa@"]}, "share_with.0"),
        ({"tab_name": "x" * 101}, "tab_name"),
    ],
)
def test_v2_options_refuse_what_cannot_be_exported(options, field):
    with pytest.raises(colander.Invalid) as raised:
        GoogleSheetsOptions().deserialize(options)

    assert field in raised.value.asdict()


def test_v2_options_accept_an_append_with_every_choice():
    options = GoogleSheetsOptions().deserialize(
        {
            "mode": "append",
            "spreadsheet_id": "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms",
            "tab_name": "Chapitre 2",
            "create_new_tab": True,
            "include_original": True,
            "columns": [{"name": "original", "header": "Texte"}, {"name": "sentence"}],
            "share_with": ["ami@example.com"],
            "public_link": True,
        }
    )

    assert options["columns"][0] == {"name": "original", "header": "Texte"}
    assert options["share_with"] == ["ami@example.com"]


def test_the_original_column_brings_the_originals_and_a_column_may_repeat():
    options = GoogleSheetsOptions().deserialize(
        {"columns": [{"name": "original"}, {"name": "index"}, {"name": "index"}]}
    )
    assert options["include_original"] is True
    assert [column["name"] for column in options["columns"]] == ["original", "index", "index"]
