"""The current frontend's whole flow through Redis and a real Celery worker, Gemini behind its fake server."""

import pytest

from tests.fakes.google_apis_server import sheets_settings
from tests.fakes.pdfs import novel_paragraphs, text_pdf
from tests.functional.flow_steps import walk_the_flow
from tests.worker.conftest import COMMON_SETTINGS, FAST_RECOVERY

pytestmark = [pytest.mark.redis, pytest.mark.worker]
# google_apis, signed_in: the fake Sheets/Drive server and a user with a Google grant.
pytest_plugins = ["tests.fakes.google_apis_server"]

PARAGRAPHS = 12


@pytest.fixture
def flow_web(signed_in, make_app, broker, gemini, google_apis):
    headers = signed_in()
    app = make_app(
        **COMMON_SETTINGS,
        **FAST_RECOVERY,
        **sheets_settings(google_apis),
        **{
            "celery.broker_url": broker,
            "celery.task_always_eager": "false",
            "gemini.base_url": gemini.base_url,
        },
    )
    return app, headers


def test_the_whole_flow_with_a_worker(flow_web, start_worker, gemini, google_apis):
    app, headers = flow_web
    start_worker()
    upload = [("pdf_file", "roman.pdf", text_pdf(novel_paragraphs(PARAGRAPHS)))]

    walked = walk_the_flow(app, headers, upload, PARAGRAPHS)

    job = walked["job"]
    # Gemini's own usage metadata, summed over the calls the worker made.
    assert job["gemini_api_calls"] == len(gemini.generate_requests) > 0
    exported = app.post_json(
        f"/api/v1/history/{walked['entry']['id']}/export", {"sheetName": "Mon roman"}, headers=headers
    ).json
    assert exported["spreadsheet_url"] == google_apis.only_spreadsheet().url
