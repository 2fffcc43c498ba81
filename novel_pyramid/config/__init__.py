"""Settings: read once at start-up from the INI file and the environment, typed and checked.

A bad value stops the start with a ``ConfigurationError`` that names the setting
and its environment variable.
"""

import secrets

from novel_pyramid.config.declarations import SETTINGS, SETTINGS_BY_KEY, Setting  # noqa: F401

# HS256 keys shorter than the hash output weaken the signature (RFC 7518 §3.2).
MIN_PRODUCTION_KEY_LENGTH = 32


class ConfigurationError(Exception):
    """A setting is missing or wrong; the message says which and why."""


def load_settings(ini_settings, environ):
    """Return the typed settings from INI values overridden by environment variables.

    Keys the application does not declare (``pyramid.*``, ``retry.*``...) are
    passed through untouched for Pyramid and its add-ons.
    """
    settings = {key: value for key, value in ini_settings.items() if key not in SETTINGS_BY_KEY}
    for setting in SETTINGS:
        raw = environ.get(setting.env) if setting.env else None
        source = setting.env
        if raw is None or raw == "":
            raw = ini_settings.get(setting.key)
            source = setting.key
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            settings[setting.key] = setting.default
            continue
        try:
            settings[setting.key] = setting.parse(raw)
        except ValueError as exc:
            name = setting.key if source == setting.key else f"{setting.key} ({setting.env})"
            raise ConfigurationError(f"Setting {name} must be {exc}.") from None
    _apply_derived_defaults(settings)
    _check_consistency(settings)
    return settings


def _apply_derived_defaults(settings):
    environment = settings["environment"]
    if settings["database_url"] is None and environment != "production":
        settings["database_url"] = "sqlite:///novel_pyramid.sqlite"
    redis_url = settings["redis_url"]
    if settings["celery.broker_url"] is None:
        settings["celery.broker_url"] = redis_url
    if settings["celery.result_backend"] is None:
        settings["celery.result_backend"] = redis_url
    if settings["celery.task_always_eager"] is None:
        settings["celery.task_always_eager"] = settings["celery.broker_url"] is None
    if settings["normalizer"] is None:
        settings["normalizer"] = "gemini" if settings["gemini.api_key"] else "local"
    if settings["log.format"] is None:
        settings["log.format"] = "text" if environment == "development" else "json"
    if environment != "production":
        # Development and tests get throwaway keys: tokens die with the process.
        for key in ("secret_key", "jwt.secret_key"):
            if not settings[key]:
                settings[key] = secrets.token_urlsafe(32)


def _check_consistency(settings):
    if settings["environment"] == "production":
        for key in ("secret_key", "jwt.secret_key"):
            env = SETTINGS_BY_KEY[key].env
            if not settings[key]:
                raise ConfigurationError(f"Setting {key} ({env}) is required in production.")
            if len(settings[key]) < MIN_PRODUCTION_KEY_LENGTH:
                raise ConfigurationError(
                    f"Setting {key} ({env}) must be at least {MIN_PRODUCTION_KEY_LENGTH} characters."
                )
        if settings["database_url"] is None:
            raise ConfigurationError("Setting database_url (DATABASE_URL) is required in production.")
        if settings["database_url"].startswith("sqlite") and not settings["database.allow_sqlite_in_production"]:
            raise ConfigurationError(
                "Setting database_url (DATABASE_URL) points at SQLite in production; use PostgreSQL "
                "or set database.allow_sqlite_in_production (ALLOW_SQLITE_IN_PRODUCTION) to true."
            )
        if settings["auth.dev_login"]:
            raise ConfigurationError("Setting auth.dev_login (NOVEL_DEV_LOGIN) cannot be enabled in production.")
    if settings["normalizer"] == "gemini" and not settings["gemini.api_key"]:
        raise ConfigurationError(
            "Setting normalizer (NOVEL_NORMALIZER) is gemini but gemini.api_key (GEMINI_API_KEY) is not set."
        )
    if settings["celery.broker_url"] is None and not settings["celery.task_always_eager"]:
        raise ConfigurationError(
            "Setting celery.task_always_eager (CELERY_TASK_ALWAYS_EAGER) is false but no broker is "
            "configured (REDIS_URL or CELERY_BROKER_URL)."
        )
