"""docs/grafana/novel_operator.json: every query names a series the operator's metrics expose."""

import pathlib
import re

import pytest
from prometheus_client import CollectorRegistry

from novel_operator.metrics import OperatorMetrics
from tests.dashboards import assert_panels, load, queries

DASHBOARD = pathlib.Path(__file__).resolve().parents[2] / "docs" / "grafana" / "novel_operator.json"
METRIC = re.compile(r"\bnovel_operator_[a-z_]*[a-z]\b")
# The series each kind of metric exposes (prometheus_client's names).
SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_count", "_sum")}


def series_names() -> set[str]:
    names = set()
    for family in OperatorMetrics(CollectorRegistry()).registry.collect():
        names.update(family.name + suffix for suffix in SUFFIXES[family.type])
    return names


@pytest.fixture(scope="module")
def dashboard():
    return load(DASHBOARD)


def test_it_is_a_dashboard_of_panels_with_queries(dashboard):
    assert dashboard["title"] == "novel_operator"
    assert_panels(dashboard, at_least=8)


def test_every_query_names_series_that_exist_and_every_metric_is_shown(dashboard):
    known = series_names()
    used = set()
    for where, expr in queries(dashboard):
        names = set(METRIC.findall(expr))
        assert names and names <= known, (where, names - known)
        used |= names
    # Every metric the operator has is on the dashboard, by one of its series.
    for family in OperatorMetrics(CollectorRegistry()).registry.collect():
        if family.name != "novel_operator_crd_schema_generation":  # checked once at start-up: nothing to plot
            assert any(family.name + suffix in used for suffix in SUFFIXES[family.type]), family.name
