"""Structured logs: one JSON object per line with request id, user, and an access line; no secrets."""

import io
import json
import logging

import pytest

from novel_pyramid.logging.setup import configure_logging
from tests.functional.conftest import bearer


@pytest.fixture
def json_log():
    stream = io.StringIO()
    handler = configure_logging("info", "json", stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_access_line_per_request_with_request_id_and_user(testapp, login, json_log):
    tokens = login()
    testapp.get("/api/v1/auth/me", headers={**bearer(tokens["access_token"]), "X-Request-ID": "trace-1"})
    access = [line for line in lines(json_log) if line["logger"] == "novel_pyramid.access"]
    line = access[-1]
    assert line["request_id"] == "trace-1"
    assert line["user_id"] == tokens["user"]["id"]
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/auth/me"
    assert line["status"] == 200
    assert line["duration_ms"] >= 0
    assert {"timestamp", "level", "message"} <= set(line)


def test_generated_request_id_is_echoed_and_logged(testapp, json_log):
    response = testapp.get("/api/v1/health", headers={"X-Request-ID": "bad id with spaces\n{}"})
    generated = response.headers["X-Request-ID"]
    assert len(generated) == 32 and " " not in generated
    assert lines(json_log)[-1]["request_id"] == generated


def test_tokens_never_reach_the_logs(testapp, login, fake_google, json_log):
    google_token = fake_google.id_token()
    testapp.post_json("/api/v1/auth/google", {"token": google_token})
    tokens = login()
    rotated = testapp.post_json("/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]}).json
    testapp.post_json("/api/v1/auth/refresh", {"refresh_token": rotated["refresh_token"]})
    # Two rotations old, so reuse even within the reuse interval.
    testapp.post_json("/api/v1/auth/refresh", {"refresh_token": tokens["refresh_token"]}, status=401)
    text = json_log.getvalue()
    for secret in (google_token, tokens["access_token"], tokens["refresh_token"]):
        assert secret not in text
        assert secret.split(".")[-1] not in text
    assert "reuse" in text  # the reuse warning was logged, without the token


def test_text_format_in_development():
    stream = io.StringIO()
    handler = configure_logging("info", "text", stream=stream)
    try:
        logging.getLogger("novel_pyramid.test").info("bonjour")
    finally:
        logging.getLogger().removeHandler(handler)
    assert "bonjour" in stream.getvalue()
    assert not stream.getvalue().startswith("{")
