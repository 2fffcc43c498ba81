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
