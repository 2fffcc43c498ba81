"""The application's Prometheus metrics: every name, its labels and its buckets, in one place (docs/metrics.md).

The metric objects are built on first use in each process, not at import:
``prometheus_client`` decides at a metric's creation whether its values live in
this process's memory or in a file of ``PROMETHEUS_MULTIPROC_DIR`` (multiprocess
mode), and a server runner may switch the process into multiprocess mode after
the application was loaded but before its workers fork (``multiprocess``).
They hang off a registry of their own, so building them again (after that
switch, or in a test) never clashes with an earlier set.
"""

import threading

PREFIX = "novel_pyramid_"

# Requests: most answer in milliseconds; v1 POST /process-pdf may wait for its job (jobs.sync_wait_seconds).
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 240.0)
# A chunk is one model call or a few (retries, a correction); the offline normaliser takes well under a second.
CHUNK_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0)

# Read at scrape time rather than recorded (``exposition``); listed here so every name is in one place.
QUEUE_DEPTH = PREFIX + "queue_depth_messages"
SCRAPE_TIME_NAMES = (QUEUE_DEPTH,)


class Metrics:
    """One process's metric objects, registered in ``self.registry`` (used when not in multiprocess mode)."""

    def __init__(self):
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

        # ``_created`` series double the count and mean nothing to our queries (nor exist in multiprocess mode).
        disable_created_metrics()
        self.registry = registry = CollectorRegistry(auto_describe=True)

        def counter(name, documentation, labels=()):
            return Counter(PREFIX + name, documentation, labels, registry=registry)

        def histogram(name, documentation, labels, buckets):
            return Histogram(PREFIX + name, documentation, labels, buckets=buckets, registry=registry)

        def live_gauge(name, documentation, labels=()):
            # livesum: the sum over the processes alive now; a dead worker's share is dropped
            # (``multiprocess.reap_dead_processes``).
            return Gauge(PREFIX + name, documentation, labels, multiprocess_mode="livesum", registry=registry)

        self.http_requests = counter(
            "http_requests_total",
            "HTTP requests answered, by route name, method and status code.",
            ("route", "method", "status"),
        )
        self.http_duration = histogram(
            "http_request_duration_seconds", "Time to answer an HTTP request, by route name.", ("route",), HTTP_BUCKETS
        )
        self.job_transitions = counter(
            "jobs_transitions_total", "Jobs that entered a state (committed), by state.", ("state",)
        )
        self.chunk_duration = histogram(
            "chunk_duration_seconds",
            "Time a normaliser took to rewrite one chunk, by normaliser and outcome (done, failed).",
            ("normalizer", "outcome"),
            CHUNK_BUCKETS,
        )
        self.model_calls = counter(
            "model_calls_total",
            "Requests sent to a model, by model and outcome (ok, bad_answer, rate_limited, timeout, error).",
            ("model", "outcome"),
        )
        self.model_tokens = counter(
            "model_tokens_total",
            "Tokens a model billed, by model and direction (input, output).",
            ("model", "direction"),
        )
        self.credits_spent = counter(
            "credits_spent_total", "Credits taken from balances (committed ledger entries), by reason.", ("reason",)
        )
        self.credits_returned = counter(
            "credits_returned_total",
            "Credits added to balances (grants, refunds, the unused part of a reservation), by reason.",
            ("reason",),
        )
        self.cache_lookups = counter(
            "cache_lookups_total", "Application cache lookups, by key kind and result (hit, miss).", ("kind", "result")
        )
        self.ratelimit_refusals = counter(
            "ratelimit_refusals_total", "Requests refused by a rate limit (429), by bucket.", ("bucket",)
        )
        self.tasks = counter("tasks_total", "Celery tasks that ended, by task name and state.", ("task", "state"))
        self.db_checked_out = live_gauge(
            "db_pool_checked_out_connections", "Database connections checked out of the pools now."
        )
        self.db_pool_size = live_gauge(
            "db_pool_size_connections", "Connections the pools keep (database.pool_size), summed over processes."
        )
        self.realtime_clients = live_gauge("realtime_connected_clients", "Socket.IO clients connected now.")
        self.realtime_emits = counter(
            "realtime_emits_total", "Socket.IO events emitted to rooms by this process, by event.", ("event",)
        )
        # The labelled children of each request's labels, found without prometheus_client's checks.
        self.request_children = {}


_lock = threading.Lock()
_current = None


def current():
    """This process's ``Metrics``, built on first use."""
    global _current
    metrics = _current
    if metrics is None:
        with _lock:
            if _current is None:
                _current = Metrics()
            metrics = _current
    return metrics


def forget():
    """Drop this process's metric objects: the next use builds them again (after a change of mode)."""
    global _current
    with _lock:
        _current = None


# The series names each kind of metric is exposed under, as PromQL names them.
SERIES_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def series_names():
    """Every series name the application exposes (``novel_pyramid_http_requests_total``, ``..._bucket``...)."""
    names = set(SCRAPE_TIME_NAMES)
    for family in Metrics().registry.collect():
        names.update(family.name + suffix for suffix in SERIES_SUFFIXES[family.type])
    return names
