"""Reading a Grafana dashboard JSON in tests: its queries, and the shape every dashboard of ours has."""

import json


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def queries(dashboard):
    """``(where, PromQL)`` of every panel target and every query variable."""
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            yield panel["title"], target["expr"]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            yield variable["name"], variable["query"]["query"]


def assert_panels(dashboard, at_least):
    """A titled dashboard of at least ``at_least`` time-series panels, each with queries, ids unique."""
    assert dashboard["title"] and dashboard["uid"] and dashboard["schemaVersion"] >= 36
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids)) >= at_least
    for panel in dashboard["panels"]:
        assert panel["type"] == "timeseries" and panel["targets"], panel["title"]
        assert set(panel["gridPos"]) == {"h", "w", "x", "y"}
