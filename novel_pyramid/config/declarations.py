"""Every setting the application reads: INI key, environment variable, type and default.

This table is the single place a setting is declared and given its default;
``load_settings`` reads it, so the code reads every declared key as
``settings[key]`` and repeats no default. README's configuration table is written
from it. Environment variables win over the INI file. Secrets have no INI default
in the repository.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from novel_pyramid.config.parsers import (
    as_bool,
    as_choice,
    as_float,
    as_int,
    as_list,
    as_object,
    as_str,
    as_url,
)
from novel_pyramid.config.rates import as_rate_table, as_rate_table_over


@dataclass(frozen=True)
class Setting:
    key: str
    env: str | None
    parse: Callable[[Any], Any]
    default: Any = None
    secret: bool = False
    doc: str = ""


# The rate-limit buckets' rates (docs/api.md, "Everywhere"); RATELIMIT_LIMITS changes some of them.
DEFAULT_BUCKET_RATES = "process-pdf=10/hour, estimate=30/hour, export=5/hour, sheets-import=20/hour, default=100/hour"

SETTINGS = (
    Setting("novel_pyramid.includes", None, as_list, (), doc="Extra packages to include (plugins), one per line."),
    Setting(
        "environment",
        "NOVEL_ENVIRONMENT",
        as_choice("development", "production", "testing"),
        "development",
        doc="Which safety checks apply: production refuses unsafe settings.",
    ),
    Setting("database_url", "DATABASE_URL", as_url("sqlite", "postgresql"), doc="SQLAlchemy URL of the database."),
    Setting(
        "database.allow_sqlite_in_production",
        "ALLOW_SQLITE_IN_PRODUCTION",
        as_bool,
        False,
        doc="Let production run on SQLite (single-process installs only).",
    ),
    Setting(
        "database.auto_migrate",
        "DATABASE_AUTO_MIGRATE",
        as_bool,
        False,
        doc="Migrate the database to the newest schema at start-up (development convenience).",
    ),
    Setting(
        "database.pool_size",
        "DATABASE_POOL_SIZE",
        as_int(1, 200),
        10,
        doc="Connections kept per web or worker process (PostgreSQL).",
    ),
    Setting(
        "redis_url",
        "REDIS_URL",
        as_url("redis", "rediss", "unix"),
        doc="Redis for cache, rate limits and the default Celery broker; unset: in-process stand-ins.",
    ),
    Setting(
        "redis.connect_timeout_seconds",
        "REDIS_CONNECT_TIMEOUT_SECONDS",
        as_float(0.01),
        0.5,
        doc="Longest wait to connect to Redis or the broker (cache, rate limits, task publish, readiness).",
    ),
    Setting(
        "redis.read_timeout_seconds",
        "REDIS_READ_TIMEOUT_SECONDS",
        as_float(0.01),
        0.5,
        doc="Longest wait for an answer of Redis or the broker; a hung server fails the call after this.",
    ),
    Setting(
        "redis.breaker_failures",
        "REDIS_BREAKER_FAILURES",
        as_int(1, 1000),
        3,
        doc="Failed calls in a row to one Redis server after which the process refuses its calls at once.",
    ),
    Setting(
        "redis.breaker_reset_seconds",
        "REDIS_BREAKER_RESET_SECONDS",
        as_float(0.1),
        5.0,
        doc="How long calls to a failed Redis server are refused before one is tried again.",
    ),
    Setting(
        "celery.broker_url",
        "CELERY_BROKER_URL",
        as_url("redis", "rediss", "amqp", "memory"),
        doc="Celery broker; defaults to REDIS_URL.",
    ),
    Setting(
        "celery.result_backend",
        "CELERY_RESULT_BACKEND",
        as_url("redis", "rediss", "db+postgresql", "db+sqlite"),
        doc="Celery result store; defaults to REDIS_URL.",
    ),
    Setting(
        "celery.task_always_eager",
        "CELERY_TASK_ALWAYS_EAGER",
        as_bool,
        doc="Run tasks in the web process; defaults to true when there is no broker.",
    ),
    Setting(
        "celery.visibility_timeout",
        "CELERY_VISIBILITY_TIMEOUT",
        as_int(1, 7 * 86400),
        3600,
        doc="Seconds before Redis hands an unacknowledged task (its worker was lost) to another worker; "
        "only a backstop, as leases (jobs.lease_seconds) bring lost work back sooner.",
    ),
    Setting(
        "celery.worker_pool",
        "CELERY_WORKER_POOL",
        as_choice("threads", "prefork", "solo"),
        "threads",
        doc="Worker pool; threads suit chunk tasks, which mostly wait on the model.",
    ),
    Setting(
        "jobs.sync_wait_seconds",
        "JOBS_SYNC_WAIT_SECONDS",
        as_float(0.0),
        240.0,
        doc="How long v1 POST /process-pdf waits for its job before answering 202 with a status URL.",
    ),
    Setting(
        "jobs.lease_seconds",
        "JOBS_LEASE_SECONDS",
        as_float(1.0),
        20.0,
        doc="Lease of a running chunk or extraction; a worker that stops renewing it loses the work this late.",
    ),
    Setting(
        "jobs.heartbeat_seconds",
        "JOBS_HEARTBEAT_SECONDS",
        as_float(0.1),
        5.0,
        doc="How often a worker renews the leases it holds; at most half the lease.",
    ),
    Setting(
        "jobs.sweep_seconds",
        "JOBS_SWEEP_SECONDS",
        as_float(0.1),
        5.0,
        doc="How often each worker sends again work whose lease expired or whose broker message was lost.",
    ),
    Setting(
        "normalizer",
        "NOVEL_NORMALIZER",
        as_str,
        doc="Normaliser plugin name; defaults to gemini when GEMINI_API_KEY is set, else local.",
    ),
    Setting("gemini.api_key", "GEMINI_API_KEY", as_str, secret=True, doc="Gemini API key."),
    Setting("gemini.model", "GEMINI_MODEL", as_str, "gemini-2.5-flash", doc="Gemini model name."),
    Setting(
        "gemini.base_url",
        "GEMINI_BASE_URL",
        as_url("http", "https"),
        doc="Gemini endpoint (proxies, private gateways, tests); unset: Google's.",
    ),
    Setting(
        "gemini.timeout_seconds", "GEMINI_TIMEOUT_SECONDS", as_float(0.1), 60.0, doc="Time limit of one Gemini request."
    ),
    Setting(
        "gemini.max_retries",
        "GEMINI_MAX_RETRIES",
        as_int(0, 10),
        4,
        doc="Retries of a transient Gemini failure (429, 5xx, time-out).",
    ),
    Setting(
        "gemini.backoff_seconds",
        "GEMINI_BACKOFF_SECONDS",
        as_float(0.0),
        1.0,
        doc="First retry delay; doubles each time, with jitter.",
    ),
    Setting("secret_key", "SECRET_KEY", as_str, secret=True, doc="Application secret; required in production."),
    Setting(
        "jwt.secret_key",
        "JWT_SECRET_KEY",
        as_str,
        secret=True,
        doc="Key that signs access tokens; required in production.",
    ),
    Setting(
        "jwt.previous_secret_keys",
        "JWT_PREVIOUS_SECRET_KEYS",
        as_list,
        (),
        secret=True,
        doc="Retired signing keys still accepted for verification (key rotation).",
    ),
    Setting(
        "jwt.access_token_expires_hours",
        "JWT_ACCESS_TOKEN_EXPIRES_HOURS",
        as_int(1, 24 * 7),
        1,
        doc="Lifetime of an access token.",
    ),
    Setting(
        "jwt.refresh_token_expires_days",
        "JWT_REFRESH_TOKEN_EXPIRES_DAYS",
        as_int(1, 365),
        30,
        doc="Lifetime of a sign-in session (refresh token).",
    ),
    Setting(
        "jwt.refresh_reuse_interval_seconds",
        "JWT_REFRESH_REUSE_INTERVAL_SECONDS",
        as_float(0.0),
        30.0,
        doc="How long a just-rotated refresh token still answers its successor (concurrent refreshes); 0: never.",
    ),
    Setting(
        "auth.dev_login",
        "NOVEL_DEV_LOGIN",
        as_bool,
        False,
        doc="Enable POST /api/v1/auth/dev-login (never in production).",
    ),
    Setting("google.client_id", "GOOGLE_CLIENT_ID", as_str, doc="OAuth client id for Google sign-in."),
    Setting(
        "google.client_secret",
        "GOOGLE_CLIENT_SECRET",
        as_str,
        secret=True,
        doc="OAuth client secret (authorization-code sign-in).",
    ),
    Setting(
        "google.redirect_uri",
        "GOOGLE_REDIRECT_URI",
        as_str,
        "postmessage",
        doc="redirect_uri sent with an authorization code ('postmessage' for the popup flow).",
    ),
    Setting(
        "google.certs_url",
        "GOOGLE_CERTS_URL",
        as_url("http", "https"),
        "https://www.googleapis.com/oauth2/v1/certs",
        doc="Google's ID-token signing certificates.",
    ),
    Setting(
        "google.token_url",
        "GOOGLE_TOKEN_URL",
        as_url("http", "https"),
        "https://oauth2.googleapis.com/token",
        doc="Google's OAuth token endpoint.",
    ),
    Setting(
        "google.api_endpoint",
        "GOOGLE_API_ENDPOINT",
        as_url("http", "https"),
        doc="Root for Sheets and Drive calls; unset: Google's.",
    ),
    Setting(
        "google.api_timeout_seconds",
        "GOOGLE_API_TIMEOUT_SECONDS",
        as_float(0.1),
        60.0,
        doc="Time limit of one Sheets or Drive request.",
    ),
    Setting(
        "google.api_max_retries",
        "GOOGLE_API_MAX_RETRIES",
        as_int(0, 10),
        4,
        doc="Retries of a Sheets or Drive request answered 429 or 5xx.",
    ),
    Setting(
        "google.api_backoff_seconds",
        "GOOGLE_API_BACKOFF_SECONDS",
        as_float(0.0),
        1.0,
        doc="Largest first retry delay of a Sheets or Drive request; doubles each time, with jitter.",
    ),
    Setting(
        "exports.inline_max_sentences",
        "EXPORTS_INLINE_MAX_SENTENCES",
        as_int(0, 10_000_000),
        2000,
        doc="Largest job exported to Google within the request (v2); larger ones go to a worker.",
    ),
    Setting(
        "coverage.run_cost",
        "COVERAGE_RUN_COST",
        as_int(0, 1_000_000),
        2,
        doc="Credits a coverage run is charged (a batch run: per source); refunded if the run fails.",
    ),
    Setting(
        "coverage.import_max_sentences",
        "COVERAGE_IMPORT_MAX_SENTENCES",
        as_int(1, 200_000),
        50_000,
        doc="Most sentences one import from a Google Sheet (POST /coverage/import-from-sheets) may hold.",
    ),
    Setting(
        "coverage.sentence_keys.keep_days",
        "COVERAGE_SENTENCE_KEYS_KEEP_DAYS",
        as_int(1, 3650),
        30,
        doc="Days the word keys of a text's sentences are kept after their last use by a coverage run, then purged.",
    ),
    Setting(
        "cors.origins",
        "CORS_ORIGINS",
        as_list,
        ("http://localhost:3000",),
        doc="Origins allowed to call the API from a browser.",
    ),
    Setting(
        "max_file_size", "MAX_FILE_SIZE", as_int(1024, 1024**3), 52428800, doc="Largest accepted upload, in bytes."
    ),
    Setting("ratelimit.enabled", "RATELIMIT_ENABLED", as_bool, True, doc="Apply rate limits."),
    Setting(
        "ratelimit.limits",
        "RATELIMIT_LIMITS",
        as_rate_table_over(DEFAULT_BUCKET_RATES),
        as_rate_table(DEFAULT_BUCKET_RATES),
        doc=f"Bucket rates; the buckets named replace their default ({DEFAULT_BUCKET_RATES}), the others keep it"
        " (a bucket may be 'exempt').",
    ),
    Setting(
        "ratelimit.route_limits",
        "RATELIMIT_ROUTE_LIMITS",
        as_rate_table,
        {},
        doc="Per-route rates by route name, e.g. v1.auth.google=20/minute or v1.history=exempt.",
    ),
    Setting(
        "ratelimit.storage_url",
        "RATELIMIT_STORAGE_URL",
        as_url("redis", "rediss", "unix", "memory"),
        doc="Where rate-limit counters live; defaults to REDIS_URL, else this process's memory.",
    ),
    Setting(
        "ratelimit.key_prefix",
        "RATELIMIT_KEY_PREFIX",
        as_str,
        "novel_pyramid:ratelimit",
        doc="Prefix of the rate-limit keys in Redis.",
    ),
    Setting(
        "security.trusted_proxies",
        "TRUSTED_PROXIES",
        as_int(0, 10),
        0,
        doc="Proxies in front of the app whose X-Forwarded-For entries are trusted (0: ignore the header).",
    ),
    Setting(
        "security.max_body_bytes",
        "MAX_BODY_BYTES",
        as_int(1024, 1024**3),
        1048576,
        doc="Largest JSON request body, unless an endpoint declares its own (uploads use MAX_FILE_SIZE).",
    ),
    Setting(
        "security.csp",
        "CONTENT_SECURITY_POLICY",
        as_str,
        "default-src 'none'; frame-ancestors 'none'",
        doc="Content-Security-Policy of API responses.",
    ),
    Setting(
        "cors.max_age",
        "CORS_MAX_AGE",
        as_int(0, 86400),
        600,
        doc="Seconds a browser may cache a CORS preflight answer.",
    ),
    Setting(
        "cache.backend",
        "CACHE_BACKEND",
        as_choice("redis", "memory", "null"),
        doc="Shared cache of user lookups and settings; defaults to redis when a Redis URL is set, "
        "memory in development, else null (no cache).",
    ),
    Setting(
        "cache.redis_url",
        "CACHE_REDIS_URL",
        as_url("redis", "rediss", "unix"),
        doc="Redis of the cache; defaults to REDIS_URL.",
    ),
    Setting(
        "cache.expiration_seconds",
        "CACHE_EXPIRATION_SECONDS",
        as_int(1, 86400),
        300,
        doc="Longest time a cached entry is served; writes invalidate it at once.",
    ),
    Setting(
        "cache.key_prefix", "CACHE_KEY_PREFIX", as_str, "novel_pyramid:cache:", doc="Prefix of the cache keys in Redis."
    ),
    Setting(
        "sql_log.enabled",
        "SQL_LOG",
        as_bool,
        False,
        doc="Log every SQL statement with its duration and request id (development).",
    ),
    Setting(
        "metrics.port",
        "METRICS_PORT",
        as_int(0, 65535),
        0,
        doc="Port of /metrics (Prometheus), served by the process that owns the workers "
        "(the web or realtime server, the Celery worker); 0: not served.",
    ),
    Setting("metrics.host", "METRICS_HOST", as_str, "0.0.0.0", doc="Address the metrics port listens on."),
    Setting(
        "metrics.on_public_port",
        "METRICS_ON_PUBLIC_PORT",
        as_bool,
        False,
        doc="Also answer GET /metrics on the application's own port (one process, e.g. make serve; "
        "never behind a public ingress).",
    ),
    Setting(
        "metrics.multiproc_dir",
        "PROMETHEUS_MULTIPROC_DIR",
        as_str,
        doc="Directory where worker processes write their metrics (emptied at server start); "
        "unset: a private temporary one when metrics are served.",
    ),
    Setting(
        "health.cache_seconds",
        "HEALTH_CACHE_SECONDS",
        as_float(0.0),
        1.0,
        doc="How long a readiness answer is reused before the backends are probed again.",
    ),
    Setting(
        "log.level",
        "LOG_LEVEL",
        as_choice("debug", "info", "warning", "error", "critical"),
        "info",
        doc="Lowest level logged.",
    ),
    Setting(
        "log.format",
        "LOG_FORMAT",
        as_choice("json", "text"),
        doc="json (one object per line) or text; defaults to text in development, json elsewhere.",
    ),
    Setting(
        "pipeline.chunk_max_words",
        "PIPELINE_CHUNK_MAX_WORDS",
        as_int(50, 20000),
        1200,
        doc="Words per chunk sent to the normaliser in one call.",
    ),
    Setting("pipeline.max_pages", "PIPELINE_MAX_PAGES", as_int(1, 20000), 2000, doc="Largest accepted page count."),
    Setting(
        "credits.monthly_grant",
        "CREDITS_MONTHLY_GRANT",
        as_int(0, 10**9),
        2000,
        doc="Credits each user is granted each calendar month (UTC); what is left does not carry over.",
    ),
    Setting(
        "credits.pricing_version",
        "CREDITS_PRICING_VERSION",
        as_str,
        "v1",
        doc="Version of credits.prices, recorded on every ledger entry; give new prices a new version.",
    ),
    Setting(
        "credits.prices",
        "CREDITS_PRICES",
        as_list,
        ("gemini-2.5-flash=3", "gemini-2.5-pro=5", "gemini-2.5-flash-lite=2"),
        doc="Credits per 1,000 tokens of each model, as model=credits pairs; every credits.model.* needs one.",
    ),
    Setting(
        "credits.model.balanced",
        "CREDITS_MODEL_BALANCED",
        as_str,
        "gemini-2.5-flash",
        doc="Model of model_preference balanced.",
    ),
    Setting(
        "credits.model.quality",
        "CREDITS_MODEL_QUALITY",
        as_str,
        "gemini-2.5-pro",
        doc="Model of model_preference quality.",
    ),
    Setting(
        "credits.model.speed",
        "CREDITS_MODEL_SPEED",
        as_str,
        "gemini-2.5-flash-lite",
        doc="Model of model_preference speed.",
    ),
    Setting(
        "credits.estimate.chars_per_token",
        "CREDITS_ESTIMATE_CHARS_PER_TOKEN",
        as_float(0.5),
        4.0,
        doc="Characters of text per token read, in an estimate made without the model (heuristic).",
    ),
    Setting(
        "credits.estimate.output_ratio",
        "CREDITS_ESTIMATE_OUTPUT_RATIO",
        as_float(0.0),
        1.0,
        doc="Tokens the model writes per token it reads, in a heuristic estimate (rewriting writes the text again).",
    ),
    Setting(
        "credits.estimate.safety_margin",
        "CREDITS_ESTIMATE_SAFETY_MARGIN",
        as_float(1.0),
        1.1,
        doc="Factor over a heuristic estimate's tokens (prompts, dense text), so most jobs cost no more.",
    ),
    Setting(
        "credits.estimate.max_pages",
        "CREDITS_ESTIMATE_MAX_PAGES",
        as_int(1, 20000),
        300,
        doc="Pages a PDF estimate reads; a longer book's cost is scaled from them (capped, with a warning).",
    ),
    Setting(
        "credits.estimate.valid_seconds",
        "CREDITS_ESTIMATE_VALID_SECONDS",
        as_int(60, 7 * 86400),
        3600,
        doc="How long an estimate can be confirmed: a confirmation must match one the server gave within this time.",
    ),
    Setting(
        "credits.estimate.keep_days",
        "CREDITS_ESTIMATE_KEEP_DAYS",
        as_int(1, 365),
        7,
        doc="Days the estimates answered and the extractions of estimated books are kept, then purged.",
    ),
    Setting(
        "realtime.throttle_ms",
        "REALTIME_THROTTLE_MS",
        as_int(0, 60_000),
        500,
        doc="Least time between two progress events of one job (Socket.IO); a job's end is sent at once.",
    ),
    Setting(
        "realtime.channel",
        "REALTIME_CHANNEL",
        as_str,
        "novel_pyramid.socketio",
        doc="Redis pub/sub channel carrying progress from workers to the realtime processes.",
    ),
    Setting(
        "realtime.ping_interval_seconds",
        "REALTIME_PING_INTERVAL_SECONDS",
        as_int(1, 3600),
        25,
        doc="Seconds between Socket.IO pings: keeps proxies from closing an idle WebSocket.",
    ),
    Setting(
        "sse.retry_ms",
        "SSE_RETRY_MS",
        as_int(100, 600_000),
        3000,
        doc="How long a Server-Sent Events client waits before it reconnects (the stream's ``retry:``).",
    ),
    Setting(
        "sse.heartbeat_seconds",
        "SSE_HEARTBEAT_SECONDS",
        as_int(1, 3600),
        15,
        doc="Seconds between heartbeats (and state re-reads) on an idle Server-Sent Events stream.",
    ),
    Setting(
        "realtime.wsgi_threads",
        "REALTIME_WSGI_THREADS",
        as_int(1, 200),
        10,
        doc="Threads running the REST application inside a realtime (ASGI) process.",
    ),
    Setting(
        "wordlists.fold_diacritics",
        "WORDLISTS_FOLD_DIACRITICS",
        as_bool,
        False,
        doc="Fold diacritics (é as e) in a new word list's keys when its request does not say.",
    ),
    Setting(
        "wordlists.max_entries",
        "WORDLISTS_MAX_ENTRIES",
        as_int(1, 200_000),
        50_000,
        doc="Most entries (lines, cells, words) one word list may have.",
    ),
    Setting(
        "wordlists.max_upload_bytes",
        "WORDLISTS_MAX_UPLOAD_BYTES",
        as_int(1024, 4 * 1024 * 1024),
        2 * 1024 * 1024,
        doc="Largest CSV or text file accepted as a word list, in bytes (at most 4 MiB, the endpoint's body limit).",
    ),
    # Handed in by code, never read from INI text or the environment: the test suite's.
    Setting(
        "db.engine",
        None,
        as_object,
        doc="An SQLAlchemy engine to use instead of one made from database_url (tests share one).",
    ),
    Setting(
        "log.keep_handlers",
        None,
        as_bool,
        False,
        doc="Leave the logging set-up alone (the test runner captures logs with its own handlers).",
    ),
)

SETTINGS_BY_KEY = {setting.key: setting for setting in SETTINGS}
