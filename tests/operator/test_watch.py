"""The operator watches its Deployments and Jobs: the NovelTool follows them within seconds, not at the timer's pace.

The timer and the retry of a waiting change handler are set to a minute
here, far beyond each wait below: whatever happens within the waits is the
watch's doing.
"""

import time

import pytest

from novel_operator import children
from novel_operator import constants as c
from novel_operator.config import OperatorConfig

from .conftest import NAMESPACE, Cluster, eventually, noveltool
from .test_operator import DEPLOYMENTS, JOBS, image_of

pytestmark = pytest.mark.asyncio

SLOW = OperatorConfig(timer_interval=60, migration_poll=60, retry_base=60, retry_max=60, exit_polling=0.2)
# Far below the timer interval, with room for a loaded machine.
SOON = 10


@pytest.fixture()
def operator_config() -> OperatorConfig:
    return SLOW


async def test_ready_follows_the_deployments_and_the_job_without_the_timer(
    k8s: Cluster, running_operator: None
) -> None:
    started = time.monotonic()
    await k8s.create(noveltool())
    (job,) = await eventually(lambda: k8s.names(JOBS), timeout=SOON, message="the migration Job")

    # The Job ends: the Deployments are made at once, not at the handler's next retry.
    await k8s.finish_job(job, succeeded=True, revision="rev1")
    await eventually(lambda: image_of(k8s, "shop-worker"), timeout=SOON, message="the Deployments")
    assert k8s.condition("Ready")["status"] == "False"

    for name in ("shop-web", "shop-worker"):
        await k8s.roll_out(name)
    await eventually(
        lambda: k8s.condition("Progressing").get("message", "").endswith(": shop-realtime"),
        timeout=SOON,
        message="only the realtime Deployment pending",
    )
    await k8s.roll_out("shop-realtime")
    await eventually(lambda: k8s.condition("Ready").get("status") == "True", timeout=SOON, message="Ready")
    assert k8s.noveltool()["status"]["webReplicas"] == 2
    assert time.monotonic() - started < SLOW.timer_interval

    # A Deployment losing its pods takes Ready down as quickly.
    await k8s.write_status(DEPLOYMENTS, "shop-web", {"availableReplicas": 1})
    await eventually(lambda: k8s.condition("Ready").get("status") == "False", timeout=SOON, message="not Ready")
    await k8s.roll_out("shop-web")
    await eventually(lambda: k8s.condition("Ready").get("status") == "True", timeout=SOON, message="Ready again")


async def test_a_deployment_deleted_by_hand_is_made_again_at_once(k8s: Cluster, running_operator: None) -> None:
    await k8s.create(noveltool(migration={"enabled": False}))
    await eventually(lambda: k8s.get(DEPLOYMENTS, "shop-web"), timeout=SOON, message="the web Deployment")
    response = await k8s.emulator.delete(f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/shop-web")
    # Deleted (200); it may already be back by the next line, which is what the watch is for.
    assert response.status == 200
    await eventually(lambda: k8s.get(DEPLOYMENTS, "shop-web"), timeout=SOON, message="the web Deployment again")


async def test_a_stranger_is_not_watched_for_and_bookkeeping_is_no_change(k8s: Cluster, running_operator: None) -> None:
    await k8s.create(noveltool(migration={"enabled": False}))
    await eventually(lambda: k8s.get(DEPLOYMENTS, "shop-web"), timeout=SOON, message="the web Deployment")
    stranger = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "other", "namespace": NAMESPACE, "labels": children.CHILD_LABELS},
        "spec": {"replicas": 1},
    }
    response = await k8s.emulator.post(f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments", json=stranger)
    assert response.status == 200
    assert children.controller_of(stranger) is None
    web = k8s.get(DEPLOYMENTS, "shop-web")
    assert children.controller_of(web).name == "shop"
    # The Deployment controller's bookkeeping (a condition, a ready count on the way) is no change to the owner.
    moving = {**web, "status": {"conditions": [{"type": "Progressing", "status": "True"}], "readyReplicas": 1}}
    assert children.readiness(moving) == children.readiness(web)
    assert children.readiness(moving) != children.readiness({**web, "status": {"replicas": 2}})
    job = {"kind": "Job", "status": {"conditions": [{"type": "Complete", "status": "True"}]}}
    assert children.readiness(job) == ("Job", "Succeeded")
    assert c.MANAGED_BY == children.CHILD_LABELS["app.kubernetes.io/managed-by"]
