"""A database exactly as the Flask version left it (CONTRACT §5), built with raw SQL.

Deliberately not made with our migrations: it is what they must upgrade and what
the copy must move. The rows exercise every trap: non-ASCII text and emoji,
NULL in every nullable column, OAuth tokens, inactive users, booleans as 0/1,
datetimes as text with and without fractions of a second, values at the maximum
VARCHAR length. Also used by bench/db_copy.py.
"""

import random
import sqlite3

LEGACY_HEAD = "997f943cdd21"

LEGACY_SCHEMA = """
CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE users (
    id INTEGER NOT NULL,
    email VARCHAR(255) NOT NULL,
    name VARCHAR(255),
    picture VARCHAR(512),
    google_id VARCHAR(255),
    created_at DATETIME NOT NULL,
    last_login DATETIME,
    is_active BOOLEAN NOT NULL,
    google_access_token TEXT,
    google_refresh_token TEXT,
    google_token_expiry DATETIME,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ix_users_email ON users (email);
CREATE UNIQUE INDEX ix_users_google_id ON users (google_id);
CREATE TABLE history (
    id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    timestamp DATETIME NOT NULL,
    original_filename VARCHAR(128),
    processed_sentences_count INTEGER,
    spreadsheet_url VARCHAR(256),
    error_message VARCHAR(512),
    PRIMARY KEY (id),
    FOREIGN KEY(user_id) REFERENCES users (id)
);
CREATE INDEX ix_history_user_id ON history (user_id);
CREATE INDEX ix_history_timestamp ON history (timestamp);
CREATE INDEX ix_history_original_filename ON history (original_filename);
CREATE TABLE user_settings (
    id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    sentence_length_limit INTEGER NOT NULL,
    updated_at DATETIME,
    PRIMARY KEY (id),
    UNIQUE (user_id),
    FOREIGN KEY(user_id) REFERENCES users (id)
);
"""

# The same schema as Flask-SQLAlchemy would have created it on PostgreSQL.
LEGACY_SCHEMA_POSTGRESQL = LEGACY_SCHEMA.replace("DATETIME", "TIMESTAMP WITHOUT TIME ZONE").replace(
    "    id INTEGER NOT NULL,", "    id SERIAL NOT NULL,"
)

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


def create_legacy_schema(connection, revision=LEGACY_HEAD):
    connection.executescript(LEGACY_SCHEMA)
    connection.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (revision,))


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


def build_legacy_sqlite(path, history_count=200, revision=LEGACY_HEAD):
    """Create the legacy database file at ``path`` and fill it; return ``path``."""
    connection = sqlite3.connect(path)
    try:
        create_legacy_schema(connection, revision)
        connection.executemany(f"INSERT INTO users VALUES ({', '.join('?' * 11)})", USERS)
        user_ids = [user[0] for user in USERS]
        connection.executemany(
            "INSERT INTO history VALUES (?, ?, ?, ?, ?, ?, ?)",
            history_rows(history_count, user_ids),
        )
        connection.executemany("INSERT INTO user_settings VALUES (?, ?, ?, ?)", user_settings_rows())
        connection.commit()
    finally:
        connection.close()
    return path


def raw_rows(path, table):
    """Every row of ``table`` as stored: values with their SQLite storage class."""
    connection = sqlite3.connect(path)
    try:
        names = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
        typed = ", ".join(f"{name}, typeof({name})" for name in names)
        rows = connection.execute(f"SELECT {typed} FROM {table} ORDER BY id").fetchall()
    finally:
        connection.close()
    return names, rows
