"""The real operator against kmock's Kubernetes API emulator (and a private Redis for the queue)."""

import time

import pytest
import redis

from novel_operator import constants as c

from .conftest import Cluster, eventually, noveltool

pytestmark = pytest.mark.asyncio

DEPLOYMENTS = "apps/v1/deployments"
JOBS = "batch/v1/jobs"


def image_of(k8s: Cluster, deployment: str) -> str | None:
    obj = k8s.get(DEPLOYMENTS, deployment)
    return obj["spec"]["template"]["spec"]["containers"][0]["image"] if obj else None


async def install(k8s: Cluster, image: str = "novel-pyramid:1.0", revision: str = "rev1", **spec) -> str:
    """Create a NovelTool and let its first migration succeed; return the Job name."""
    await k8s.create(noveltool(image=image, **spec))
    jobs = await eventually(lambda: k8s.names(JOBS), message="the first migration Job")
    await k8s.finish_job(jobs[0], succeeded=True, revision=revision)
    await eventually(lambda: image_of(k8s, "shop-worker") == image, message="the Deployments")
    return jobs[0]


async def test_create_runs_the_migration_then_makes_owned_children(k8s: Cluster, running_operator: None) -> None:
    await k8s.create(noveltool())
    jobs = await eventually(lambda: k8s.names(JOBS), message="the migration Job")

    # Nothing runs the app before the database is migrated.
    assert k8s.get(DEPLOYMENTS, "shop-web") is None
    await eventually(lambda: k8s.condition("Migrated").get("reason") == "Migrating", message="Migrating")
    job = k8s.get(JOBS, jobs[0])
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == c.MIGRATION_COMMAND

    await k8s.finish_job(jobs[0], succeeded=True, revision="0001_initial")
    await eventually(lambda: k8s.get(DEPLOYMENTS, "shop-worker"), message="the worker Deployment")

    owner_uid = k8s.noveltool()["metadata"]["uid"]
    for resource, name in [
        ("v1/configmaps", "shop-config"),
        (DEPLOYMENTS, "shop-web"),
        ("v1/services", "shop-web"),
        (DEPLOYMENTS, "shop-realtime"),
        ("v1/services", "shop-realtime"),
        (DEPLOYMENTS, "shop-worker"),
        (JOBS, jobs[0]),
    ]:
        refs = k8s.get(resource, name)["metadata"]["ownerReferences"]
        assert [(ref["kind"], ref["uid"], ref["controller"]) for ref in refs] == [(c.KIND, owner_uid, True)], name

    status = await eventually(
        lambda: (k8s.noveltool().get("status") or {}).get("migratedRevision") and k8s.noveltool()["status"]
    )
    assert status["migratedRevision"] == "0001_initial"
    assert status["currentImage"] == "novel-pyramid:1.0"
    assert status["observedGeneration"] == 1
    assert k8s.condition("Migrated")["status"] == "True"

    # Ready follows the Deployments' own rollout status.
    assert k8s.condition("Ready")["status"] == "False"
    await k8s.roll_out("shop-web")
    await k8s.roll_out("shop-worker")
    # The realtime process is part of the version: not Ready while it rolls out.
    await eventually(
        lambda: k8s.condition("Progressing").get("message", "").endswith(": shop-realtime"),
        message="Progressing names the realtime Deployment",
    )
    assert k8s.condition("Ready")["status"] == "False"
    await k8s.roll_out("shop-realtime")
    await eventually(lambda: k8s.condition("Ready").get("status") == "True", message="Ready")
    assert k8s.condition("Progressing")["status"] == "False"


async def test_new_image_is_migrated_before_the_deployments_roll(k8s: Cluster, running_operator: None) -> None:
    first_job = await install(k8s)

    await k8s.patch_spec({"image": "novel-pyramid:2.0"})
    jobs = await eventually(lambda: [j for j in k8s.names(JOBS) if j != first_job], message="a second Job")
    assert k8s.get(JOBS, jobs[0])["spec"]["template"]["spec"]["containers"][0]["image"] == "novel-pyramid:2.0"
    await eventually(lambda: k8s.condition("Progressing").get("reason") == "Migrating")

    # While the migration runs the Deployments keep the old image.
    assert image_of(k8s, "shop-web") == "novel-pyramid:1.0"
    assert image_of(k8s, "shop-worker") == "novel-pyramid:1.0"

    assert image_of(k8s, "shop-realtime") == "novel-pyramid:1.0"

    await k8s.finish_job(jobs[0], succeeded=True, revision="0002_more")
    await eventually(lambda: image_of(k8s, "shop-web") == "novel-pyramid:2.0", message="the web rollout")
    await eventually(lambda: image_of(k8s, "shop-realtime") == "novel-pyramid:2.0", message="the realtime rollout")
    await eventually(lambda: image_of(k8s, "shop-worker") == "novel-pyramid:2.0", message="the worker rollout")
    status = await eventually(
        lambda: k8s.noveltool()["status"].get("migratedRevision") == "0002_more" and k8s.noveltool()["status"]
    )
    assert status["currentImage"] == "novel-pyramid:2.0"
    assert status["observedGeneration"] == 2


async def test_a_setting_removed_from_the_spec_stops_applying(k8s: Cluster, running_operator: None) -> None:
    await install(k8s, settings={"logLevel": "INFO", "corsOrigins": "https://a.example"})
    assert k8s.get("v1/configmaps", "shop-config")["data"]["CORS_ORIGINS"] == "https://a.example"
    checksum = k8s.get(DEPLOYMENTS, "shop-web")["spec"]["template"]["metadata"]["annotations"]

    await k8s.patch_spec({"settings": {"corsOrigins": None}})  # what `kubectl edit` sends for a deleted line

    await eventually(
        lambda: "CORS_ORIGINS" not in k8s.get("v1/configmaps", "shop-config")["data"], message="the ConfigMap"
    )
    # The pods restart to read it: the configuration checksum of their template changed.
    await eventually(
        lambda: k8s.get(DEPLOYMENTS, "shop-web")["spec"]["template"]["metadata"]["annotations"] != checksum,
        message="the web rollout",
    )


async def test_the_realtime_process_is_scaled_corrected_and_switched_off(k8s: Cluster, running_operator: None) -> None:
    await install(k8s, realtime={"replicas": 3, "resources": {"limits": {"memory": "1Gi"}}})
    realtime = k8s.get(DEPLOYMENTS, "shop-realtime")
    assert realtime["spec"]["replicas"] == 3
    container = realtime["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["pserve", c.DEFAULT_INI, "--server-name", "realtime"]
    assert container["resources"] == {"limits": {"memory": "1Gi"}}
    assert k8s.get("v1/services", "shop-realtime")["spec"]["selector"]["app.kubernetes.io/component"] == "realtime"

    # Drift: someone scales it by hand and edits its Service; the timer puts both back.
    k8s.emulator.objects[DEPLOYMENTS, "novels", "shop-realtime"].patch({"spec": {"replicas": 1}})
    k8s.emulator.objects["v1/services", "novels", "shop-realtime"].patch(
        {"spec": {"ports": [{"name": "http", "port": 9999, "targetPort": "http", "protocol": "TCP"}]}}
    )
    await eventually(lambda: k8s.get(DEPLOYMENTS, "shop-realtime")["spec"]["replicas"] == 3, message="replicas")
    await eventually(
        lambda: k8s.get("v1/services", "shop-realtime")["spec"]["ports"][0]["port"] == 80, message="the Service"
    )

    # The spec's replicas are followed.
    await k8s.patch_spec({"realtime": {"replicas": 5}})
    await eventually(lambda: k8s.get(DEPLOYMENTS, "shop-realtime")["spec"]["replicas"] == 5, message="5 replicas")

    # Switched off: its Deployment and Service go, the rest stays, and Ready no longer waits for it.
    await k8s.roll_out("shop-web")
    await k8s.roll_out("shop-worker")
    await k8s.patch_spec({"realtime": {"enabled": False}})
    await eventually(lambda: k8s.get(DEPLOYMENTS, "shop-realtime") is None, message="the Deployment to go")
    await eventually(lambda: k8s.get("v1/services", "shop-realtime") is None, message="the Service to go")
    assert k8s.get(DEPLOYMENTS, "shop-web") and k8s.get("v1/services", "shop-web")
    await eventually(lambda: k8s.condition("Ready").get("status") == "True", message="Ready without realtime")

    # And on again.
    await k8s.patch_spec({"realtime": {"enabled": True}})
    await eventually(lambda: k8s.get(DEPLOYMENTS, "shop-realtime"), message="the Deployment again")
    await eventually(lambda: k8s.get("v1/services", "shop-realtime"), message="the Service again")


async def test_failed_migration_keeps_the_old_version_and_reports_degraded(
    k8s: Cluster, running_operator: None
) -> None:
    first_job = await install(k8s)
    web_writes = k8s.versions(DEPLOYMENTS, "shop-web")
    realtime_writes = k8s.versions(DEPLOYMENTS, "shop-realtime")
    worker_writes = k8s.versions(DEPLOYMENTS, "shop-worker")

    await k8s.patch_spec({"image": "novel-pyramid:broken"})
    jobs = await eventually(lambda: [j for j in k8s.names(JOBS) if j != first_job], message="a second Job")
    await k8s.finish_job(jobs[0], succeeded=False)

    degraded = await eventually(
        lambda: k8s.condition("Degraded").get("status") == "True" and k8s.condition("Degraded"), message="Degraded"
    )
    assert degraded["reason"] == "MigrationFailed"
    assert "BackoffLimitExceeded" in degraded["message"]
    assert k8s.condition("Ready")["status"] == "False"

    # A few timer rounds later the Deployments are still exactly as they were.
    await eventually(lambda: k8s.noveltool()["status"].get("observedGeneration") == 2, message="status")
    status = k8s.noveltool()["status"]
    assert status["currentImage"] == "novel-pyramid:1.0"
    assert status["migratedRevision"] == "rev1"
    assert k8s.versions(DEPLOYMENTS, "shop-web") == web_writes
    assert k8s.versions(DEPLOYMENTS, "shop-realtime") == realtime_writes
    assert k8s.versions(DEPLOYMENTS, "shop-worker") == worker_writes
    assert image_of(k8s, "shop-web") == "novel-pyramid:1.0"
    assert image_of(k8s, "shop-realtime") == "novel-pyramid:1.0"


async def test_workers_follow_the_queue_length_within_bounds(
    k8s: Cluster, running_operator: None, redis_url: str
) -> None:
    queue = "novels-test-queue"
    broker = redis.Redis.from_url(redis_url)
    broker.delete(queue)
    window = 2
    scaling = {
        "enabled": True,
        "minReplicas": 1,
        "maxReplicas": 4,
        "targetQueueLengthPerWorker": 5,
        "scaleDownStabilizationSeconds": window,
    }
    await install(k8s, worker={"queue": queue, "autoscaling": scaling})

    def workers() -> int:
        return k8s.get(DEPLOYMENTS, "shop-worker")["spec"]["replicas"]

    def status() -> dict:
        return k8s.noveltool()["status"]

    assert workers() == 1
    try:
        broker.rpush(queue, *[f"task-{n}" for n in range(12)])  # 12 tasks / 5 per worker -> 3
        await eventually(lambda: workers() == 3, message="3 workers")
        broker.rpush(queue, *[f"more-{n}" for n in range(100)])  # far more than 4 workers' worth
        await eventually(lambda: workers() == 4, message="the maximum of 4 workers")
        await eventually(lambda: [r["replicas"] for r in status().get("workerRecommendations") or ()] == [4])

        broker.delete(queue)
        # The timer has seen the empty queue (the status is patched by Kopf
        # after the timer returns, so a moment after the Deployment)...
        await eventually(lambda: status().get("queueLength") == 0, message="queueLength 0")
        drained = time.monotonic()
        # ...but the burst of a moment ago holds the workers for the window.
        assert workers() == 4
        await eventually(lambda: workers() == 1, message="back to the minimum of 1 worker")
        assert time.monotonic() - drained > window / 2
        # Once idle at the minimum, nothing is left to remember.
        await eventually(lambda: "workerRecommendations" not in status(), message="no recommendations")
        assert status()["workerReplicas"] == 1
    finally:
        broker.delete(queue)
        broker.close()


async def test_deleting_the_resource_releases_it_and_its_children_go(k8s: Cluster, running_operator: None) -> None:
    await install(k8s)
    assert c.FINALIZER in k8s.noveltool()["metadata"]["finalizers"]

    await k8s.delete()
    # The operator removes its finalizer (it only guards the timer), so the object goes away...
    await eventually(lambda: k8s.noveltool() is None, message="the NovelTool to be deleted")
    # ...and the garbage collector deletes what it owned.
    k8s.collect_garbage()
    for resource in ("v1/configmaps", DEPLOYMENTS, "v1/services", JOBS):
        assert k8s.names(resource) == [], resource


async def test_invalid_spec_is_reported_and_not_retried(k8s: Cluster, running_operator: None) -> None:
    body = noveltool(worker={"autoscaling": {"enabled": True, "minReplicas": 5, "maxReplicas": 2}})
    await k8s.create(body)
    degraded = await eventually(
        lambda: k8s.condition("Degraded").get("status") == "True" and k8s.condition("Degraded"), message="Degraded"
    )
    assert degraded["reason"] == "InvalidSpec"
    assert k8s.names(JOBS) == []
