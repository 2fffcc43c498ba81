"""Every metric is named in Prometheus style, with its unit, and carries a small fixed set of labels."""

import re

from novel_pyramid.metrics import record, registry

UNITS = ("_total", "_seconds", "_connections", "_clients", "_messages")
ALLOWED_LABELS = {"route", "method", "status", "state", "normalizer", "outcome", "model", "direction", "reason"}
ALLOWED_LABELS |= {"kind", "result", "bucket", "task", "event", "queue"}


def families():
    return list(registry.Metrics().registry.collect())


def test_every_name_has_the_prefix_and_a_unit():
    for name in registry.series_names():
        assert re.fullmatch(r"novel_pyramid_[a-z_]+", name), name
    for family in families():
        exposed = family.name + ("_total" if family.type == "counter" else "")
        assert exposed.endswith(UNITS), exposed


def test_labels_come_from_a_small_fixed_set():
    metrics = registry.Metrics()
    for metric in vars(metrics).values():
        labels = getattr(metric, "_labelnames", ())
        assert set(labels) <= ALLOWED_LABELS, labels
        assert len(labels) <= 3


def test_series_names_cover_the_suffixes_of_each_kind():
    names = registry.series_names()
    assert {"novel_pyramid_http_requests_total", "novel_pyramid_http_request_duration_seconds_bucket"} <= names
    assert {"novel_pyramid_db_pool_checked_out_connections", registry.QUEUE_DEPTH} <= names


def test_the_metrics_are_built_once_per_process_until_forgotten():
    first = registry.current()
    assert registry.current() is first
    registry.forget()
    rebuilt = registry.current()
    assert rebuilt is not first
    # A fresh set never clashes with the one before (each has its own registry).
    record.count_rate_limit_refusal("default")
    assert rebuilt.ratelimit_refusals.labels("default")._value.get() == 1
