"""The operator's own metrics, scraped over HTTP from the real operator running against kmock."""

import dataclasses
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
import redis
from prometheus_client import CollectorRegistry, generate_latest

from novel_operator import constants as c
from novel_operator import kube
from novel_operator import metrics as m
from novel_operator.config import OperatorConfig
from tests.fakes.servers import free_port
from tests.scrapes import names, samples, total, value

from .conftest import FAST, NAMESPACE, Cluster, eventually, noveltool, poll
from .test_operator import DEPLOYMENTS, install

CONDITION = "novel_operator_noveltool_condition"


@dataclasses.dataclass
class Scraper:
    port: int

    async def get(self, path: str) -> tuple[int, str, str]:
        url = f"http://127.0.0.1:{self.port}{path}"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return response.status, response.headers.get("Content-Type", ""), await response.text()

    async def until(self, check: Callable[[str], Any], message: str, timeout: float = 10) -> str:
        """Scrape until ``check`` holds of the text: the operator counts as it works."""
        return await poll(self.scrape, check, message, timeout=timeout)

    async def scrape(self) -> str:
        status, _, text = await self.get("/metrics")
        assert status == 200
        return text


@pytest.fixture()
def scraper() -> Scraper:
    return Scraper(free_port())


@pytest.fixture()
def operator_config(scraper: Scraper) -> OperatorConfig:
    return dataclasses.replace(FAST, metrics_port=scraper.port)


def of_noveltool(text: str, metric: str, name: str = "shop", **labels: str) -> float | None:
    """A NovelTool's series (labelled by its namespace and name), None when the scrape has none."""
    return samples(text).get((metric, frozenset({"namespace": NAMESPACE, "name": name, **labels}.items())))


def condition(text: str, kind: str, name: str = "shop") -> float | None:
    return of_noveltool(text, CONDITION, name, condition=kind)


def reconciliations(text: str, **labels: str) -> float:
    return total(text, "novel_operator_reconciliations_total", **labels)


@pytest.mark.asyncio
async def test_a_noveltool_from_creation_to_deletion(k8s: Cluster, scraper: Scraper, running_operator: None) -> None:
    status, content_type, text = await scraper.get("/metrics")
    assert status == 200 and content_type.startswith("text/plain; version=")
    assert value(text, "novel_operator_crd_schema_generation") == c.CRD_SCHEMA_GENERATION
    assert total(text, "novel_operator_build_info") == 1

    job = await install(k8s, revision="rev1")
    for name in ("shop-web", "shop-worker", "shop-realtime"):
        await k8s.roll_out(name)
    await scraper.until(lambda t: condition(t, "Ready") == 1, "Ready=1")
    text = await scraper.until(lambda t: reconciliations(t, trigger="timer") >= 1, "a timer run")

    # The first reconciliation started the migration and waited for it; the Job's and the
    # Deployments' changes were reconciled at once; the timer runs too.
    assert reconciliations(text, trigger="change", outcome="waiting") >= 1
    assert reconciliations(text, trigger="child", outcome="ok") >= 1
    assert reconciliations(text, trigger="timer") >= 1
    assert value(text, "novel_operator_migration_jobs_created_total", action="upgrade") == 1
    assert condition(text, "Migrated") == 1 and condition(text, "Degraded") == 0
    assert value(text, "novel_operator_events_posted_total", type="Normal", reason="MigrationSucceeded") == 1
    assert value(text, "novel_operator_events_posted_total", type="Normal", reason="Available") == 1
    assert total(text, "novel_operator_events_posted_total", type="Warning") == 0
    # Every reconciliation counted is timed.
    for trigger in ("change", "child", "timer"):
        count = value(text, "novel_operator_reconcile_duration_seconds_count", trigger=trigger)
        assert count == reconciliations(text, trigger=trigger) > 0
    # The operator's requests: status patches, applies, the reads of missing children (404).
    assert value(text, "novel_operator_api_requests_total", method="PATCH", code="200") > 0
    assert value(text, "novel_operator_api_requests_total", method="GET", code="404") > 0
    requests = total(text, "novel_operator_api_requests_total")
    assert total(text, "novel_operator_api_request_duration_seconds_count") == requests
    assert k8s.get("batch/v1/jobs", job) is not None

    await k8s.delete()
    text = await scraper.until(lambda t: condition(t, "Ready") is None, "the deleted NovelTool's series gone")
    assert CONDITION not in names(text)


@pytest.mark.asyncio
async def test_a_refusal_is_counted_and_shown(k8s: Cluster, scraper: Scraper, running_operator: None) -> None:
    await k8s.create(noveltool(web={"resources": {"requests": {"cpu": "lots"}}}))
    text = await scraper.until(lambda t: condition(t, "Degraded") == 1, "Degraded=1")
    assert condition(text, "Ready") == 0
    # Kopf may hand the new object over more than once (its own patch races the status write): each is counted.
    assert reconciliations(text, trigger="change", outcome="refused") >= 1
    assert reconciliations(text, trigger="change") == reconciliations(text, trigger="change", outcome="refused")
    assert value(text, "novel_operator_events_posted_total", type="Warning", reason="InvalidSpec") == 1
    assert value(text, "novel_operator_migration_jobs_created_total", action="upgrade") == 0


@pytest.mark.asyncio
async def test_a_failed_migration_is_a_failed_reconciliation(
    k8s: Cluster, scraper: Scraper, running_operator: None
) -> None:
    await k8s.create(noveltool())
    jobs = await eventually(lambda: k8s.names("batch/v1/jobs"), message="the migration Job")
    await k8s.finish_job(jobs[0], succeeded=False)
    text = await scraper.until(lambda t: reconciliations(t, outcome="failed") >= 1, "a failed reconciliation")
    assert value(text, "novel_operator_events_posted_total", type="Warning", reason="MigrationFailed") == 1
    assert condition(text, "Migrated") == 0 and condition(text, "Degraded") == 1


@pytest.mark.asyncio
async def test_the_autoscaler_shows_the_queue_and_the_workers(
    k8s: Cluster, scraper: Scraper, running_operator: None, redis_url: str
) -> None:
    queue = "novels-metrics-queue"
    broker = redis.Redis.from_url(redis_url)
    broker.delete(queue)
    scaling = {"enabled": True, "minReplicas": 1, "maxReplicas": 4, "targetQueueLengthPerWorker": 5}
    await install(k8s, worker={"queue": queue, "autoscaling": scaling})
    try:
        broker.rpush(queue, *[f"task-{n}" for n in range(12)])
        await eventually(lambda: k8s.get(DEPLOYMENTS, "shop-worker")["spec"]["replicas"] == 3, message="3 workers")
        text = await scraper.until(
            lambda t: of_noveltool(t, "novel_operator_worker_replicas") == 3, "the worker gauge at 3"
        )
        assert of_noveltool(text, "novel_operator_queue_length_tasks") == 12
        assert value(text, "novel_operator_events_posted_total", type="Normal", reason="ScaledWorkers") >= 1
    finally:
        broker.delete(queue)


@pytest.mark.asyncio
async def test_only_metrics_are_served(scraper: Scraper, running_operator: None) -> None:
    status, _, _ = await scraper.get("/")
    assert status == 404
    status, _, _ = await scraper.get("/healthz")
    assert status == 404


def test_the_port_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOVEL_OPERATOR_METRICS_PORT", raising=False)
    assert OperatorConfig.from_environment().metrics_port is None
    monkeypatch.setenv("NOVEL_OPERATOR_METRICS_PORT", "9102")
    assert OperatorConfig.from_environment().metrics_port == 9102


def scrape_of(metrics: m.OperatorMetrics) -> str:
    return generate_latest(metrics.registry).decode()


def test_forgetting_a_noveltool_keeps_the_others() -> None:
    metrics = m.OperatorMetrics(CollectorRegistry())
    ready = [{"type": "Ready", "status": "True"}, {"type": "Degraded", "status": "False"}]
    metrics.show_conditions(NAMESPACE, "shop", ready)
    metrics.show_conditions(NAMESPACE, "other", ready)
    metrics.show_conditions("elsewhere", "shop", ready)
    metrics.show_scaling(NAMESPACE, "shop", 7, 2)
    metrics.forget(NAMESPACE, "shop")
    text = scrape_of(metrics)
    left = {(dict(labels)["namespace"], dict(labels)["name"]) for name, labels in samples(text) if name == CONDITION}
    assert left == {(NAMESPACE, "other"), ("elsewhere", "shop")}
    assert "novel_operator_queue_length_tasks" not in names(text)
    metrics.forget(NAMESPACE, "shop")  # twice is harmless


def test_an_unclassified_exception_is_an_error_and_still_timed() -> None:
    metrics = m.OperatorMetrics(CollectorRegistry())
    with pytest.raises(RuntimeError), metrics.reconciliation("timer"):
        raise RuntimeError("boom")
    with metrics.reconciliation("timer") as run:
        run.outcome = m.GONE
    text = scrape_of(metrics)
    assert value(text, "novel_operator_reconciliations_total", trigger="timer", outcome="error") == 1
    assert value(text, "novel_operator_reconciliations_total", trigger="timer", outcome="gone") == 1
    assert value(text, "novel_operator_reconcile_duration_seconds_count", trigger="timer") == 2


@pytest.mark.asyncio
async def test_a_request_that_gets_no_answer_is_code_0() -> None:
    metrics = m.OperatorMetrics(CollectorRegistry())
    client = kube.KubeClient(kube.KubeConfig(server=f"http://127.0.0.1:{free_port()}"), observe=metrics.observe_api)
    try:
        with pytest.raises(kube.KubeError):
            await client.get("/api/v1/namespaces")
    finally:
        await client.close()
    text = scrape_of(metrics)
    assert value(text, "novel_operator_api_requests_total", method="GET", code="0") == 1
    assert value(text, "novel_operator_api_request_duration_seconds_count", method="GET") == 1
