"""The current frontend's whole flow, tasks in-process: estimate → confirm → start → poll → finalize → history → export."""

import pytest

from tests.fakes.google_apis_server import sheets_settings
from tests.fakes.pdfs import novel_paragraphs, text_pdf
from tests.functional.conftest import SMALL_CHUNKS
from tests.functional.flow_steps import walk_the_flow

# google_apis, signed_in: the fake Sheets/Drive server and a user with a Google grant.
pytest_plugins = ["tests.fakes.google_apis_server"]

PARAGRAPHS = 10


@pytest.fixture
def flow_app(make_app, google_apis):
    return make_app(**SMALL_CHUNKS, **sheets_settings(google_apis))


def test_the_whole_flow_from_estimate_to_export(flow_app, signed_in, google_apis):
    headers = signed_in()
    upload = [("pdf_file", "roman.pdf", text_pdf(novel_paragraphs(PARAGRAPHS)))]

    walked = walk_the_flow(flow_app, headers, upload, PARAGRAPHS)

    entry_id = walked["entry"]["id"]
    assert walked["detail"]["sentences_source"] == "snapshot"
    exported = flow_app.post_json(f"/api/v1/history/{entry_id}/export", {"sheetName": "Mon roman"}, headers=headers)
    spreadsheet = google_apis.only_spreadsheet()
    assert exported.json["spreadsheet_url"] == spreadsheet.url
    assert exported.json["sentences_count"] == len(walked["detail"]["sentences"])
    written = [cell for row in spreadsheet.first_tab.values() for cell in row]
    assert all(pair["normalized"] in written for pair in walked["detail"]["sentences"])
    (entry,) = [item for item in flow_app.get("/api/v1/history", headers=headers).json if item["id"] == entry_id]
    assert entry["spreadsheet_url"] == spreadsheet.url
