"""The Sheets request plan: batches within Google's limits, header and formatting requests."""

import json

from novel_pyramid.exporters.google_sheets import (
    MAX_BYTES_PER_REQUEST,
    MAX_ROWS_PER_REQUEST,
    batches,
    formatting_requests,
    header_row,
)
from novel_pyramid.exporters.interfaces import SentenceRow


def rows(texts):
    return (SentenceRow(index, text, "orig") for index, text in enumerate(texts, 1))


def test_one_row_is_one_batch_with_the_header():
    assert list(batches(header_row(False), rows(["Un."]), False)) == [(1, [["Index", "Sentence"], [1, "Un."]])]


def test_batches_are_consecutive_and_bounded_by_rows():
    planned = list(batches(header_row(False), rows(["x"] * 4500), False))

    assert [(first, len(block)) for first, block in planned] == [(1, 2000), (2001, 2000), (4001, 501)]
    assert all(len(block) <= MAX_ROWS_PER_REQUEST for _, block in planned)


def test_batches_are_bounded_by_encoded_size():
    planned = list(batches(header_row(True), rows(["œ" * 5000] * 300), True))

    assert len(planned) > 1
    for _, block in planned:
        assert len(json.dumps(block, ensure_ascii=False).encode()) <= MAX_BYTES_PER_REQUEST + 100
    assert sum(len(block) for _, block in planned) == 301
    assert planned[0][1][1] == [1, "œ" * 5000, "orig"]


def test_a_single_huge_row_still_goes_alone():
    planned = list(batches(["h"], rows(["a"]), False, max_bytes=5))

    assert planned == [(1, [["h"]]), (2, [[1, "a"]])]


def test_formatting_requests_name_the_sheet_and_columns():
    requests = formatting_requests(7, 3)

    assert all(json.dumps(request).count('"sheetId": 7') == 1 for request in requests)
    sizes = [r["updateDimensionProperties"]["range"] for r in requests if "updateDimensionProperties" in r]
    assert sizes[-1]["endIndex"] == 3
