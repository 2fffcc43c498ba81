def test_health_reports_healthy_with_contract_fields(testapp):
    response = testapp.get("/api/v1/health")
    assert response.status_int == 200
    body = response.json
    assert body["status"] == "healthy"
    assert body["service"] == "French Novel Tool API"
    assert body["version"] == "1.0.0"
    assert body["checks"]["database"]["status"] == "up"


def test_health_echoes_request_id(testapp):
    response = testapp.get("/api/v1/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"


def test_liveness(testapp):
    assert testapp.get("/api/v1/health/live").json == {"status": "alive"}


def test_unknown_route_is_json_404(testapp):
    response = testapp.get("/api/v1/nope", status=404)
    assert response.json["error"] == "Not found"


def test_redis_and_broker_are_reported_and_only_degrade(make_app):
    from tests.fakes.servers import free_port

    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    app = make_app(
        redis_url=dead_redis,
        **{"celery.broker_url": dead_redis, "celery.task_always_eager": "false", "cache.backend": "null"},
    )
    body = app.get("/api/v1/health").json
    assert body["status"] == "degraded"
    assert body["checks"]["database"] == {**body["checks"]["database"], "status": "up", "required": True}
    assert body["checks"]["redis"]["status"] == "down" and body["checks"]["redis"]["required"] is False
    assert body["checks"]["broker"]["status"] == "down"
    assert "redis" in body["warning"]


def test_live_redis_is_up(make_app):
    from tests.fakes.servers import shared_redis

    url = "redis://127.0.0.1:6379/15"
    shared_redis(url)
    body = make_app(redis_url=url, **{"cache.backend": "null"}).get("/api/v1/health").json
    assert body["status"] == "healthy"
    assert body["checks"]["redis"]["status"] == "up"


def test_a_readiness_round_is_reused_for_its_freshness_window(make_app, engine):
    app = make_app(**{"health.cache_seconds": "60"})
    assert app.get("/api/v1/health").json["status"] == "healthy"
    registry = app.app.registry
    checked_at, _ = registry["health.last"]
    app.get("/api/v1/health")
    assert registry["health.last"][0] == checked_at
