"""Benchmark data: a fresh PostgreSQL database, two users, their sessions and history, and tokens."""

import datetime

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from novel_pyramid.auth.tokens import AccessTokens
from novel_pyramid.db.types import utcnow
from novel_pyramid.db.urls import with_installed_driver
from novel_pyramid.models import ModelBase

LIGHT_HISTORY_ROWS = 50
HEAVY_HISTORY_ROWS = 100_000


def recreate_database(database_url):
    """Drop and create the benchmark database (its name must contain 'bench')."""
    database_url = with_installed_driver(database_url)
    url = make_url(database_url)
    if "bench" not in (url.database or ""):
        raise SystemExit(f"refusing to recreate {url.database!r}: the name must contain 'bench'")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    engine = create_engine(database_url)
    ModelBase.metadata.create_all(engine)
    return engine


def _user_with_session(conn, email):
    user_id = conn.execute(
        text("INSERT INTO users (email, name, is_active, created_at) VALUES (:e, 'Bench', true, now()) RETURNING id"),
        {"e": email},
    ).scalar_one()
    session_id = f"bench-session-{user_id}"
    conn.execute(
        text(
            "INSERT INTO auth_sessions (id, user_id, token_hash, created_at, last_used_at, expires_at) "
            "VALUES (:id, :u, :h, now(), now(), :exp)"
        ),
        {"id": session_id, "u": user_id, "h": f"hash-{user_id}", "exp": utcnow() + datetime.timedelta(days=30)},
    )
    return user_id, session_id


def _history(conn, user_id, rows):
    # generate_series keeps 100,000 inserts to one statement.
    conn.execute(
        text(
            "INSERT INTO history (user_id, timestamp, original_filename, processed_sentences_count) "
            "SELECT :u, now() - (n || ' seconds')::interval, 'roman-' || n || '.pdf', n "
            "FROM generate_series(1, :rows) AS n"
        ),
        {"u": user_id, "rows": rows},
    )


def seed(engine, jwt_secret):
    """Users 'light' (50 history rows) and 'heavy' (100,000); returns their access tokens."""
    tokens = AccessTokens.from_settings(
        {
            "jwt.secret_key": jwt_secret,
            "jwt.previous_secret_keys": (),
            "jwt.access_token_expires_hours": 24,
        }
    )
    with engine.begin() as conn:
        light = _user_with_session(conn, "light@bench.example")
        heavy = _user_with_session(conn, "heavy@bench.example")
        _history(conn, light[0], LIGHT_HISTORY_ROWS)
        _history(conn, heavy[0], HEAVY_HISTORY_ROWS)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return {"light": tokens.issue(*light), "heavy": tokens.issue(*heavy), "heavy_user_id": heavy[0]}


def explain_first_page(engine, user_id, limit=50):
    """EXPLAIN ANALYZE of the history endpoint's query: (plan text, execution ms)."""
    from novel_pyramid.history.services import HistoryService

    query = HistoryService.latest_query(user_id, limit)
    compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        conn.execute(text(f"EXPLAIN ANALYZE {compiled}"))  # warm the buffers once
        plan = [row[0] for row in conn.execute(text(f"EXPLAIN ANALYZE {compiled}"))]
    execution_ms = next(float(line.split(":")[1].split()[0]) for line in plan if line.startswith("Execution Time"))
    return "\n".join(plan), execution_ms
