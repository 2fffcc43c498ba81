"""A database as the Flask version left it, in each of its shapes, filled with rows that exercise every trap.

Deliberately not made with our migrations: it is what they must upgrade and what
the copy must move. The shapes (see legacy_schemas) come from the Flask
version's own declarations and revisions. The rows: non-ASCII text and emoji,
NULL in every nullable column, OAuth tokens, inactive users, booleans as 0/1,
datetimes as text with and without fractions of a second, values at the maximum
VARCHAR length. Also used by bench/db_copy.py.
"""

import datetime
import random
import sqlite3

from sqlalchemy import create_engine, pool, text

from novel_pyramid.db.urls import with_installed_driver
from tests.migrations.legacy_schemas import build_legacy_schema

LEGACY_TABLES = ("users", "history", "user_settings")

# A real Google access token is ~200 characters, a refresh token ~100; one user
# carries a much longer one to prove TEXT is not cut anywhere.
ACCESS_TOKEN = "ya29.a0AfB_byC" + "x9Q-_" * 40
REFRESH_TOKEN = "1//0gLx4-Rz_" + "Kp7Z" * 24
LONG_TOKEN = "ya29." + "é€𝄞-_abc" * 1200

USERS = [
    # id, email, name, picture, google_id, created_at, last_login, is_active,
    # access token, refresh token, token expiry
    (
        1,
        "zoe@example.fr",
        "Zoë Ñúñez",
        "https://lh3.googleusercontent.com/a/zoë=s96-c",
        "104857600000000000001",
        "2023-05-01 10:00:00.123456",
        "2024-01-02 03:04:05",
        1,
        ACCESS_TOKEN,
        REFRESH_TOKEN,
        "2024-01-02 04:04:05.5",
    ),
    (
        2,
        "eloise@example.fr",
        "Éloïse",
        None,
        "104857600000000000002",
        "2023-06-12 08:30:00",
        None,
        0,
        None,
        None,
        None,
    ),
    (
        3,
        "nobody@example.com",
        None,
        None,
        None,
        "2023-07-01 00:00:00.000001",
        None,
        1,
        None,
        None,
        None,
    ),
    (
        4,
        "camille@example.fr",
        "Camille 📚✨ Lefèvre",
        "https://example.org/c.png",
        "104857600000000000004",
        "2023-08-15T12:00:00",
        "2024-02-29 23:59:59.999999",
        1,
        LONG_TOKEN,
        REFRESH_TOKEN,
        "2024-03-01 00:59:59",
    ),
    (
        5,
        "li@example.cn",
        "李小龙",
        None,
        "104857600000000000005",
        "2023-09-09 09:09:09.9",
        "2023-09-10 10:10:10",
        0,
        ACCESS_TOKEN,
        None,
        None,
    ),
    (
        6,
        "maxlength@example.fr",
        "É" * 255,
        "https://example.org/" + "p" * 492,
        "104857600000000000006",
        "2024-01-01 00:00:00",
        None,
        1,
        None,
        REFRESH_TOKEN,
        "2024-01-01 01:00:00.25",
    ),
]

FILENAMES = [
    "Les Misérables — tome 1.pdf",
    "Ça m'intéresse 🎉.pdf",
    "Œuvres complètes (édition 1862).pdf",
    "Le Petit Prince.pdf",
    "«À la recherche du temps perdu».pdf",
    "ñ" * 124 + ".pdf",
    None,
]
ERRORS = [
    None,
    None,
    "Échec de l'export : «quota dépassé» 😞",
    "Gemini: 503 Service Unavailable",
    "è" * 512,
]


def history_rows(count, user_ids, seed=7):
    """``count`` history rows; every nullable column is NULL in some of them."""
    rng = random.Random(seed)
    for row_id in range(1, count + 1):
        day = 1 + row_id % 28
        second = row_id % 60
        # Half the timestamps have a fraction of a second, half do not.
        fraction = f".{rng.randrange(10**6):06d}" if row_id % 2 else ""
        timestamp = f"2024-{1 + row_id % 12:02d}-{day:02d} {row_id % 24:02d}:{row_id % 60:02d}"
        failed = row_id % 5 == 0
        yield (
            row_id,
            user_ids[row_id % len(user_ids)],
            f"{timestamp}:{second:02d}{fraction}",
            FILENAMES[row_id % len(FILENAMES)],
            None if failed or row_id % 7 == 0 else rng.randrange(1, 20000),
            None if failed or row_id % 3 == 0 else f"https://docs.google.com/spreadsheets/d/{rng.getrandbits(64):x}",
            ERRORS[row_id % len(ERRORS)] if failed else None,
        )


def user_settings_rows():
    return [
        (1, 1, 8, "2024-01-02 03:04:05.123456"),
        (2, 2, 3, None),
        (3, 4, 50, "2024-02-01 10:00:00"),
    ]


COLUMNS = {
    "users": (
        "id",
        "email",
        "name",
        "picture",
        "google_id",
        "created_at",
        "last_login",
        "is_active",
        "google_access_token",
        "google_refresh_token",
        "google_token_expiry",
    ),
    "history": (
        "id",
        "user_id",
        "timestamp",
        "original_filename",
        "processed_sentences_count",
        "spreadsheet_url",
        "error_message",
    ),
    "user_settings": ("id", "user_id", "sentence_length_limit", "updated_at"),
}
DATETIME_COLUMNS = {"created_at", "last_login", "google_token_expiry", "timestamp", "updated_at"}


def legacy_rows(history_count):
    """{table: rows} as the Flask version stored them in SQLite: text datetimes, 0/1 booleans."""
    return {
        "users": USERS,
        "history": list(history_rows(history_count, [user[0] for user in USERS])),
        "user_settings": user_settings_rows(),
    }


def expected_rows(table, history_count):
    """The rows of ``table`` as Python values: what any database must give back, as dicts."""
    return [
        {name: python_value(name, value) for name, value in zip(COLUMNS[table], row, strict=True)}
        for row in legacy_rows(history_count)[table]
    ]


def python_value(name, value):
    if value is not None and name in DATETIME_COLUMNS:
        return datetime.datetime.fromisoformat(value)
    if name == "is_active":
        return {0: False, 1: True}[value]
    return value


def build_legacy_database(url, form="hand_written", history_count=200):
    """Build the legacy ``form`` in the empty database at ``url``, versioned 997f943cdd21, and fill it."""
    build_legacy_schema(url, form)
    rows = legacy_rows(history_count)
    if url.startswith("sqlite"):
        _insert_into_sqlite(url.removeprefix("sqlite:///"), rows)
    else:
        _insert_into_postgresql(url, rows)
    return url


def build_legacy_sqlite(path, history_count=200, form="hand_written"):
    """Create the legacy SQLite file at ``path`` and fill it; return ``path``."""
    build_legacy_database(f"sqlite:///{path}", form, history_count)
    return path


def _insert_into_sqlite(path, rows):
    # sqlite3 itself, so each value keeps exactly the storage class the Flask version gave it.
    connection = sqlite3.connect(path)
    try:
        for table in LEGACY_TABLES:
            names = COLUMNS[table]
            connection.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                rows[table],
            )
        connection.commit()
    finally:
        connection.close()


def _insert_into_postgresql(url, rows):
    engine = create_engine(with_installed_driver(url), poolclass=pool.NullPool)
    try:
        with engine.begin() as connection:
            for table in LEGACY_TABLES:
                names = COLUMNS[table]
                insert = text(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})")
                values = [{n: python_value(n, v) for n, v in zip(names, row, strict=True)} for row in rows[table]]
                connection.execute(insert, values)
                # As in a live database: the next id comes after the last one given.
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
    finally:
        engine.dispose()


def stored_rows(url, table):
    """The legacy columns of every row of ``table``, by id; on SQLite each value with its storage class."""
    names = COLUMNS[table]
    if url.startswith("sqlite"):
        selected = ", ".join(f"{name}, typeof({name})" for name in names)
    else:
        selected = ", ".join(names)
    engine = create_engine(with_installed_driver(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(f"SELECT {selected} FROM {table} ORDER BY id"))]
    finally:
        engine.dispose()
