"""The per-request SQL log: on in development.ini, one line per statement with the request's id."""

import logging

import pytest
from pyramid.paster import get_appsettings

from novel_pyramid.cache.sql_log import uninstall_sql_log
from novel_pyramid.config import load_settings
from tests.functional.conftest import bearer


def test_development_ini_turns_the_sql_log_on(project_root):
    settings = load_settings(get_appsettings(str(project_root / "development.ini")), environ={})
    assert settings["sql_log.enabled"] is True


@pytest.fixture
def logging_app(make_app, engine):
    yield make_app(**{"sql_log.enabled": "true"})
    uninstall_sql_log(engine)


def test_each_statement_of_a_request_is_logged_with_its_request_id(logging_app, caplog):
    headers = bearer(logging_app.post_json("/api/v1/auth/dev-login", {"email": "a@example.com"}).json["access_token"])
    caplog.clear()  # the sign-in's statements were logged too
    with caplog.at_level(logging.DEBUG, logger="novel_pyramid.sql"):
        response = logging_app.get("/api/v1/history", headers={**headers, "X-Request-ID": "req-sql-log-1"})
    lines = [record for record in caplog.records if record.name == "novel_pyramid.sql"]
    assert lines, "the history request ran SQL"
    assert {record.request_id for record in lines} == {response.headers["X-Request-ID"]} == {"req-sql-log-1"}
    assert any("FROM history" in record.statement for record in lines)
    assert all(record.duration_ms >= 0 for record in lines)
