"""The ``rate_limit`` view option on a bare Pyramid app: buckets, sharing, exemptions."""

import pytest
import webtest
from pyramid.config import Configurator
from pyramid.exceptions import ConfigurationError

from novel_pyramid.config import load_settings
from novel_pyramid.config.rates import Rate


def make_app(views, **settings):
    raw = {"environment": "testing", "ratelimit.enabled": True, "ratelimit.storage_url": "memory://", **settings}
    config = Configurator(settings=load_settings(raw, {}))
    config.include("novel_pyramid.errors")
    config.include("novel_pyramid.ratelimit")
    for name, options in views.items():
        config.add_route(name, f"/{name}")
        config.add_view(lambda request: {"ok": True}, route_name=name, renderer="json", **options)
    return webtest.TestApp(config.make_wsgi_app())


def test_routes_naming_one_bucket_share_its_count():
    # process-pdf and v2 job creation draw from the same 10/hour of a user.
    app = make_app({"process": {"rate_limit": "process-pdf"}, "jobs": {"rate_limit": "process-pdf"}, "other": {}})
    for index in range(10):
        app.post("/process" if index % 2 else "/jobs", extra_environ={"REMOTE_ADDR": "192.0.2.1"})
    refused = app.post("/jobs", extra_environ={"REMOTE_ADDR": "192.0.2.1"}, status=429)
    assert refused.headers["X-RateLimit-Limit"] == "10"
    assert refused.json["code"] == "rate_limited"
    assert "10 per hour" in refused.json["error"]
    # Another bucket, and another caller, are untouched.
    assert app.get("/other", extra_environ={"REMOTE_ADDR": "192.0.2.1"}).headers["X-RateLimit-Limit"] == "100"
    app.post("/process", extra_environ={"REMOTE_ADDR": "192.0.2.2"})


def test_exempt_routes_get_no_count_and_no_headers():
    app = make_app({"probe": {"rate_limit": "exempt"}}, **{"ratelimit.limits": {"default": Rate(1, 3600)}})
    for _ in range(5):
        assert "X-RateLimit-Limit" not in app.get("/probe").headers


def test_route_limits_override_a_views_bucket():
    app = make_app(
        {"login": {}, "other": {}},
        **{"ratelimit.route_limits": {"login": Rate(2, 60)}},
    )
    app.get("/login")
    app.get("/login")
    assert app.get("/login", status=429).headers["Retry-After"]
    assert app.get("/other").headers["X-RateLimit-Remaining"] == "99"


def test_disabled_limits_count_nothing():
    app = make_app({"process": {"rate_limit": "process-pdf"}}, **{"ratelimit.enabled": False})
    for _ in range(20):
        assert "X-RateLimit-Limit" not in app.post("/process").headers


def test_unknown_bucket_stops_the_start():
    with pytest.raises(ConfigurationError, match="no-such-bucket"):
        make_app({"typo": {"rate_limit": "no-such-bucket"}})


def test_not_found_answers_are_not_counted():
    app = make_app({"other": {}}, **{"ratelimit.limits": {"default": Rate(1, 3600)}})
    for _ in range(3):
        app.get("/missing", status=404)
    app.get("/other")
