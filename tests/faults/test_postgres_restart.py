"""A restarted PostgreSQL: readiness reports it, and requests recover without restarting the app."""

import pytest
import webtest

from novel_pyramid import make_config
from novel_pyramid.config import load_settings
from novel_pyramid.db import make_engine
from novel_pyramid.models import ModelBase

pytestmark = pytest.mark.postgresql


@pytest.fixture
def app_on_private_postgres(private_postgres, app_settings):
    engine = make_engine({"database_url": private_postgres.url, "database.pool_size": 2})
    ModelBase.metadata.create_all(engine)
    raw = {**app_settings, "database_url": private_postgres.url}
    settings = load_settings(raw, environ={})
    settings.update({"db.engine": engine, "log.keep_handlers": True})
    yield webtest.TestApp(make_config(settings).make_wsgi_app())
    engine.dispose()


def test_requests_recover_after_postgres_restarts(app_on_private_postgres, private_postgres):
    app = app_on_private_postgres
    tokens = app.post_json("/api/v1/auth/dev-login", {"email": "lea@example.com"}).json
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    app.post_json("/api/v1/settings", {"sentence_length_limit": 11}, headers=headers)

    private_postgres.stop()
    down = app.get("/api/v1/health", status=503).json
    assert down["status"] == "unhealthy"
    assert down["checks"]["database"]["status"] == "down"
    failed = app.get("/api/v1/settings", headers=headers, status=503)
    assert failed.json["code"] == "service_unavailable"
    assert failed.headers["Retry-After"] == "5"

    private_postgres.start()
    # The pool holds connections from before the restart; pre-ping replaces them.
    assert app.get("/api/v1/health").json["status"] == "healthy"
    assert app.get("/api/v1/settings", headers=headers).json["sentence_length_limit"] == 11
