"""Settings are read once, typed, overridden by the environment, and checked."""

import pytest

from novel_pyramid.config import ConfigurationError, load_settings

PRODUCTION_SECRETS = {
    "JWT_SECRET_KEY": "k" * 40,
    "SECRET_KEY": "s" * 40,
    "DATABASE_URL": "postgresql://postgres@127.0.0.1/novel",
}


def test_development_defaults():
    settings = load_settings({}, {})
    assert settings["environment"] == "development"
    assert settings["database_url"].startswith("sqlite")
    assert settings["normalizer"] == "local"
    assert settings["celery.task_always_eager"] is True
    assert settings["log.format"] == "text"
    assert settings["max_file_size"] == 52428800
    assert settings["cors.origins"] == ("http://localhost:3000",)
    assert settings["jwt.access_token_expires_hours"] == 1
    assert settings["jwt.refresh_token_expires_days"] == 30
    assert len(settings["jwt.secret_key"]) >= 32


def test_environment_overrides_ini():
    settings = load_settings(
        {"max_file_size": "2048", "log.level": "debug"},
        {"MAX_FILE_SIZE": "4096", "CORS_ORIGINS": "https://a.example, https://b.example"},
    )
    assert settings["max_file_size"] == 4096
    assert settings["log.level"] == "debug"
    assert settings["cors.origins"] == ["https://a.example", "https://b.example"]


def test_gemini_key_selects_gemini_and_redis_selects_a_broker():
    settings = load_settings({}, {"GEMINI_API_KEY": "abc", "REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert settings["normalizer"] == "gemini"
    assert settings["gemini.model"] == "gemini-2.5-flash"
    assert settings["celery.broker_url"] == "redis://127.0.0.1:6379/0"
    assert settings["celery.task_always_eager"] is False


@pytest.mark.parametrize(
    "environ,named",
    [
        ({"MAX_FILE_SIZE": "lots"}, "max_file_size (MAX_FILE_SIZE)"),
        ({"RATELIMIT_ENABLED": "maybe"}, "ratelimit.enabled (RATELIMIT_ENABLED)"),
        ({"DATABASE_URL": "mysql://x"}, "database_url (DATABASE_URL)"),
        ({"LOG_FORMAT": "xml"}, "log.format (LOG_FORMAT)"),
        ({"JWT_ACCESS_TOKEN_EXPIRES_HOURS": "0"}, "jwt.access_token_expires_hours"),
        ({"NOVEL_NORMALIZER": "gemini"}, "GEMINI_API_KEY"),
    ],
)
def test_bad_values_name_the_setting(environ, named):
    with pytest.raises(ConfigurationError) as error:
        load_settings({}, environ)
    assert named in str(error.value)


def test_bad_ini_value_names_the_ini_key():
    with pytest.raises(ConfigurationError, match="Setting max_file_size must be a whole number"):
        load_settings({"max_file_size": "big"}, {})


@pytest.mark.parametrize("missing", ["JWT_SECRET_KEY", "SECRET_KEY", "DATABASE_URL"])
def test_production_refuses_to_start_without_secrets(missing):
    environ = {key: value for key, value in PRODUCTION_SECRETS.items() if key != missing}
    with pytest.raises(ConfigurationError, match=missing):
        load_settings({"environment": "production"}, environ)


def test_production_refuses_short_signing_keys():
    with pytest.raises(ConfigurationError, match="at least 32"):
        load_settings({"environment": "production"}, {**PRODUCTION_SECRETS, "JWT_SECRET_KEY": "short"})


def test_production_refuses_sqlite_unless_allowed():
    environ = {**PRODUCTION_SECRETS, "DATABASE_URL": "sqlite:////tmp/x.sqlite"}
    with pytest.raises(ConfigurationError, match="SQLite"):
        load_settings({"environment": "production"}, environ)
    allowed = load_settings({"environment": "production", "database.allow_sqlite_in_production": "true"}, environ)
    assert allowed["database_url"].startswith("sqlite")


def test_development_login_cannot_be_enabled_in_production():
    with pytest.raises(ConfigurationError, match="auth.dev_login"):
        load_settings({"environment": "production", "auth.dev_login": "true"}, PRODUCTION_SECRETS)
    with pytest.raises(ConfigurationError, match="auth.dev_login"):
        load_settings({"environment": "production"}, {**PRODUCTION_SECRETS, "NOVEL_DEV_LOGIN": "1"})


def test_production_defaults_to_json_logs():
    settings = load_settings({"environment": "production"}, PRODUCTION_SECRETS)
    assert settings["log.format"] == "json"


def test_shipped_ini_files_load(project_root):
    from plaster import get_settings

    development = load_settings(get_settings(str(project_root / "development.ini"), "app:main"), {})
    assert development["auth.dev_login"] is True
    with pytest.raises(ConfigurationError):
        load_settings(get_settings(str(project_root / "production.ini"), "app:main"), {})
    production = load_settings(get_settings(str(project_root / "production.ini"), "app:main"), PRODUCTION_SECRETS)
    assert production["environment"] == "production"
    assert production["auth.dev_login"] is False
