"""The operator's own Prometheus metrics, and the small HTTP server that exposes them.

One :class:`OperatorMetrics` per running operator, on a registry of its own
(not prometheus_client's global one), so two operators in one process, as in
the tests, never count into each other. It is made by the start-up handler,
kept in Kopf's memo, and served on ``NOVEL_OPERATOR_METRICS_PORT``.

What it answers: how often each kind of reconciliation runs and how it ends,
how long it takes, the conditions of every NovelTool (alert on
``Ready == 0``), the Events posted (refusals are the Warning ones), the
operator's calls to the API server by method and status, the migration Jobs
started, and the queue length and worker count the autoscaler works with.
"""

import contextlib
import dataclasses
import importlib.metadata
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import aiohttp.web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# Reconciliations take a few API calls (tens of ms); one that takes seconds waits on the API server.
RECONCILE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
API_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# How a reconciliation ended (the ``outcome`` label).
OK = "ok"  # the children are as the spec asks (or on their way there)
WAITING = "waiting"  # for a running migration Job
FAILED = "failed"  # a migration failed or a rollback was refused: nothing changes until the spec does
REFUSED = "refused"  # an invalid spec, or a child the API server refused
ERROR = "error"  # a temporary error (API server unreachable, conflict): retried
GONE = "gone"  # the NovelTool was deleted or replaced meanwhile


@dataclasses.dataclass
class Reconciliation:
    """What the handler tells about the reconciliation it is timing."""

    outcome: str = OK


class OperatorMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.reconciliations = Counter(
            "novel_operator_reconciliations",
            "Reconciliations of a NovelTool, by what started them (change, timer, child) and how they ended",
            ["trigger", "outcome"],
            registry=r,
        )
        self.reconcile_seconds = Histogram(
            "novel_operator_reconcile_duration_seconds",
            "Time of one reconciliation, its lock wait excluded",
            ["trigger"],
            buckets=RECONCILE_BUCKETS,
            registry=r,
        )
        self.conditions = Gauge(
            "novel_operator_noveltool_condition",
            "1 when the NovelTool's condition is True, 0 when False",
            ["namespace", "name", "condition"],
            registry=r,
        )
        self.events = Counter(
            "novel_operator_events_posted",
            "Kubernetes Events posted on NovelTools; the Warning ones are refusals and failures",
            ["type", "reason"],
            registry=r,
        )
        self.api_requests = Counter(
            "novel_operator_api_requests",
            "The operator's own requests to the Kubernetes API server (Kopf's watches excluded), by status; "
            "code 0 is a request that got no answer",
            ["method", "code"],
            registry=r,
        )
        self.api_seconds = Histogram(
            "novel_operator_api_request_duration_seconds",
            "Time of the operator's own requests to the Kubernetes API server",
            ["method"],
            buckets=API_BUCKETS,
            registry=r,
        )
        self.migration_jobs = Counter(
            "novel_operator_migration_jobs_created",
            "Migration Jobs started, by action (upgrade or downgrade)",
            ["action"],
            registry=r,
        )
        self.queue_length = Gauge(
            "novel_operator_queue_length_tasks",
            "The task queue's length as the worker autoscaler last read it",
            ["namespace", "name"],
            registry=r,
        )
        self.worker_replicas = Gauge(
            "novel_operator_worker_replicas",
            "The worker replicas the operator last applied",
            ["namespace", "name"],
            registry=r,
        )
        self.crd_generation = Gauge(
            "novel_operator_crd_schema_generation",
            "The NovelTool CRD's schema generation in the cluster, as checked at start-up",
            registry=r,
        )
        self.build_info = Gauge(
            "novel_operator_build_info",
            "Always 1: the operator's and Kopf's versions as labels",
            ["version", "kopf_version"],
            registry=r,
        )
        self.build_info.labels(_version("novel-operator"), _version("kopf")).set(1)
        # The per-NovelTool series set so far, by (namespace, name): what forget() removes.
        self._series: dict[tuple[str, str], set[tuple[Gauge, tuple[str, ...]]]] = {}

    @contextlib.contextmanager
    def reconciliation(self, trigger: str) -> Iterator[Reconciliation]:
        """Time and count one reconciliation; an exception the handler did not classify is an error."""
        run = Reconciliation()
        started = time.perf_counter()
        try:
            yield run
        except BaseException:
            if run.outcome == OK:
                run.outcome = ERROR
            raise
        finally:
            self.reconciliations.labels(trigger, run.outcome).inc()
            self.reconcile_seconds.labels(trigger).observe(time.perf_counter() - started)

    def observe_api(self, method: str, code: int, seconds: float) -> None:
        self.api_requests.labels(method, str(code)).inc()
        self.api_seconds.labels(method).observe(seconds)

    def show_conditions(self, namespace: str, name: str, conditions: Iterable[Mapping[str, Any]]) -> None:
        for cond in conditions:
            if cond.get("type"):
                value = 1 if cond.get("status") == "True" else 0
                self._set(self.conditions, (namespace, name, cond["type"]), value)

    def show_scaling(self, namespace: str, name: str, queue_length: int | None, replicas: int | None) -> None:
        if queue_length is not None:
            self._set(self.queue_length, (namespace, name), queue_length)
        if replicas is not None:
            self._set(self.worker_replicas, (namespace, name), replicas)

    def forget(self, namespace: str, name: str) -> None:
        """Drop a deleted NovelTool's series, so dashboards do not show it as not Ready forever."""
        for gauge, labels in self._series.pop((namespace, name), set()):
            gauge.remove(*labels)

    def _set(self, gauge: Gauge, labels: tuple[str, ...], value: float) -> None:
        gauge.labels(*labels).set(value)
        self._series.setdefault(labels[:2], set()).add((gauge, labels))


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


async def serve(metrics: OperatorMetrics, port: int, host: str = "0.0.0.0") -> aiohttp.web.AppRunner:
    """Serve ``GET /metrics`` in the operator's event loop; the caller cleans the runner up at exit."""

    async def scrape(_: aiohttp.web.Request) -> aiohttp.web.Response:
        return aiohttp.web.Response(
            body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    app = aiohttp.web.Application()
    app.router.add_get("/metrics", scrape)
    runner = aiohttp.web.AppRunner(app, access_log=None)
    await runner.setup()
    await aiohttp.web.TCPSite(runner, host, port).start()
    return runner
