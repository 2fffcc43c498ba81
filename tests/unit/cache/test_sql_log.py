"""The development SQL log: one debug line per statement, with duration and request id."""

import logging

from sqlalchemy import create_engine, text

from novel_pyramid.cache.sql_log import install_sql_log
from novel_pyramid.logging.context import install_record_factory, request_id_var


def test_each_statement_is_logged_with_its_duration_and_request_id(caplog):
    install_record_factory()
    engine = create_engine("sqlite://")
    install_sql_log(engine)
    install_sql_log(engine)  # twice is harmless: still one line per statement
    token = request_id_var.set("req-42")
    try:
        with caplog.at_level(logging.DEBUG, logger="novel_pyramid.sql"), engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        request_id_var.reset(token)
    lines = [r for r in caplog.records if r.name == "novel_pyramid.sql"]
    assert len(lines) == 1
    assert lines[0].statement == "SELECT 1"
    assert lines[0].duration_ms >= 0
    assert lines[0].request_id == "req-42"
    assert " ms SELECT 1" in lines[0].getMessage()
