"""One error path: unexpected errors are a generic 500 with a logged traceback; failed requests write nothing."""

import logging

import pytest
from sqlalchemy import func, select

from novel_pyramid.accounts.models import User


@pytest.fixture
def failing_app(make_app):
    return make_app(**{"novel_pyramid.includes": "tests.functional.failing_plugin"})


def test_unexpected_error_is_generic_500_and_writes_nothing(failing_app, dbsession, caplog):
    with caplog.at_level(logging.ERROR):
        response = failing_app.get("/test/write-then-crash", headers={"X-Request-ID": "req-42"}, status=500)
    assert response.json == {
        "error": "Internal server error",
        "code": "internal_error",
        "request_id": "req-42",
    }
    assert "boom" not in response.text
    record = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert record.exc_info is not None
    assert record.request_id == "req-42"
    assert dbsession.scalar(select(func.count()).select_from(User)) == 0


def test_domain_error_after_a_write_rolls_back(failing_app, dbsession):
    response = failing_app.get("/test/write-then-refuse", status=409)
    assert response.json == {"error": "Refused after writing", "code": "conflict"}
    assert dbsession.scalar(select(func.count()).select_from(User)) == 0


def test_method_not_allowed_is_json(testapp):
    response = testapp.delete("/api/v1/health", status=405)
    assert response.json["error"]
