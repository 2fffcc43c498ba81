"""docs/grafana/novel_pyramid.json is a dashboard whose every query names metrics the application exposes."""

import pathlib
import re

import pytest

from novel_pyramid.metrics.registry import series_names
from tests.dashboards import assert_panels, load, queries

DASHBOARD = pathlib.Path(__file__).resolve().parents[3] / "docs" / "grafana" / "novel_pyramid.json"

METRIC = re.compile(r"\bnovel_pyramid_[a-z_]*[a-z]\b")


@pytest.fixture(scope="module")
def dashboard():
    return load(DASHBOARD)


def test_it_is_a_dashboard_of_panels_with_queries(dashboard):
    assert_panels(dashboard, at_least=10)


def test_every_metric_a_query_names_exists(dashboard):
    known = series_names()
    for where, expr in queries(dashboard):
        used = set(METRIC.findall(expr))
        assert used or "novel_pyramid_.+" in expr, (where, expr)
        assert used <= known, (where, used - known)


def test_it_shows_what_operators_ask_for(dashboard):
    used = {name for _, expr in queries(dashboard) for name in METRIC.findall(expr)}
    wanted = {
        "novel_pyramid_http_requests_total",
        "novel_pyramid_http_request_duration_seconds_bucket",
        "novel_pyramid_jobs_transitions_total",
        "novel_pyramid_chunk_duration_seconds_bucket",
        "novel_pyramid_queue_depth_messages",
        "novel_pyramid_model_tokens_total",
        "novel_pyramid_model_calls_total",
        "novel_pyramid_credits_spent_total",
        "novel_pyramid_cache_lookups_total",
        "novel_pyramid_ratelimit_refusals_total",
        "novel_pyramid_db_pool_checked_out_connections",
    }
    assert wanted <= used
