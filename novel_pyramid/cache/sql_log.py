"""The per-request SQL log for development: one debug line per statement, with its duration.

The request id comes with every log record (``novel_pyramid.logging.context``),
so ``grep req=<id>`` shows one request's queries in order.
"""

import logging
import time

from sqlalchemy import event

sql_log = logging.getLogger("novel_pyramid.sql")

STATEMENT_MAX_CHARS = 1000
_STARTED_AT = "novel_pyramid.sql_log.started_at"


def install_sql_log(engine):
    """Log every statement ``engine`` runs, at DEBUG on ``novel_pyramid.sql``."""
    if event.contains(engine, "before_cursor_execute", _statement_started):
        return
    event.listen(engine, "before_cursor_execute", _statement_started)
    event.listen(engine, "after_cursor_execute", _statement_finished)
    # The switch is the setting, not the root level: keep INFO elsewhere.
    sql_log.setLevel(logging.DEBUG)


def _statement_started(conn, cursor, statement, parameters, context, executemany):
    conn.info.setdefault(_STARTED_AT, []).append(time.perf_counter())


def _statement_finished(conn, cursor, statement, parameters, context, executemany):
    started = conn.info[_STARTED_AT].pop()
    duration_ms = round((time.perf_counter() - started) * 1000, 3)
    one_line = " ".join(statement.split())[:STATEMENT_MAX_CHARS]
    sql_log.debug(
        "%.2f ms %s",
        duration_ms,
        one_line,
        extra={"duration_ms": duration_ms, "statement": one_line},
    )


def uninstall_sql_log(engine):
    """Stop logging ``engine``'s statements (tests that share one engine)."""
    if event.contains(engine, "before_cursor_execute", _statement_started):
        event.remove(engine, "before_cursor_execute", _statement_started)
        event.remove(engine, "after_cursor_execute", _statement_finished)
