"""Reconciling twice changes nothing: the second pass reads but never writes."""

import copy

import pytest

from novel_operator import apply, kube, manifests
from novel_operator.reconcile import reconcile
from novel_operator.spec import parse_spec

from .conftest import NAMESPACE, Cluster, noveltool

pytestmark = pytest.mark.asyncio

DEPLOYMENTS = "apps/v1/deployments"


async def test_second_reconcile_sends_no_write_and_no_status_change(k8s: Cluster) -> None:
    body = noveltool()
    spec = parse_spec("shop", NAMESPACE, body["spec"])
    client = kube.KubeClient(kube.KubeConfig(server=str(k8s.emulator.url).rstrip("/")))
    try:
        first = await reconcile(client, body, spec)
        assert first.waiting_for  # the migration Job was created
        body["status"] = {**first.status_patch}  # what Kopf's merge patch does to the status
        job = k8s.names("batch/v1/jobs")[0]
        k8s.finish_job(job, succeeded=True, revision="r1")

        second = await reconcile(client, body, spec)
        body["status"].update(second.status_patch)
        assert not second.waiting_for and not second.failure

        writes_before = [r for r in list(k8s.emulator) if r.method in ("POST", "PATCH", "PUT", "DELETE")]
        third = await reconcile(client, body, spec)
        writes_after = [r for r in list(k8s.emulator) if r.method in ("POST", "PATCH", "PUT", "DELETE")]
        assert writes_after == writes_before
        assert third.status_patch == {}
    finally:
        await client.close()


async def test_with_the_realtime_process_off_reconciling_again_writes_nothing(k8s: Cluster) -> None:
    body = noveltool(realtime={"enabled": False}, migration={"enabled": False})
    spec = parse_spec("shop", NAMESPACE, body["spec"])
    client = kube.KubeClient(kube.KubeConfig(server=str(k8s.emulator.url).rstrip("/")))
    try:
        first = await reconcile(client, body, spec)
        body["status"] = {**first.status_patch}
        assert k8s.names(DEPLOYMENTS) == ["shop-web", "shop-worker"]
        assert k8s.names("v1/services") == ["shop-web"]

        writes_before = [r for r in list(k8s.emulator) if r.method in ("POST", "PATCH", "PUT", "DELETE")]
        second = await reconcile(client, body, spec)
        writes_after = [r for r in list(k8s.emulator) if r.method in ("POST", "PATCH", "PUT", "DELETE")]
        assert writes_after == writes_before
        assert second.status_patch == {}
    finally:
        await client.close()


async def test_quantities_in_the_servers_canonical_form_are_not_patched_again(k8s: Cluster) -> None:
    resources = {"requests": {"cpu": "1000m", "memory": 256}, "limits": {"cpu": "0.5", "memory": "1024Mi"}}
    spec = parse_spec("shop", NAMESPACE, noveltool(worker={"resources": resources})["spec"])
    owner = noveltool()
    client = kube.KubeClient(kube.KubeConfig(server=str(k8s.emulator.url).rstrip("/")))

    def patches() -> int:
        return len([r for r in list(k8s.emulator) if r.method == "PATCH"])

    try:
        await apply.ensure(client, manifests.build_worker_deployment(spec, spec.image, 1), owner)
        # What a real API server stores and returns (kmock keeps what it was sent).
        live = k8s.emulator.objects[DEPLOYMENTS, NAMESPACE, "shop-worker"]
        container = copy.deepcopy(live.raw["spec"]["template"]["spec"]["containers"][0])
        container["resources"] = {"requests": {"cpu": "1", "memory": "256"}, "limits": {"cpu": "500m", "memory": "1Gi"}}
        container["terminationMessagePath"] = "/dev/termination-log"
        live.patch({"spec": {"template": {"spec": {"containers": [container]}}}})
        stored = k8s.get(DEPLOYMENTS, "shop-worker")["spec"]["template"]["spec"]["containers"][0]
        assert stored["resources"]["requests"] == {"cpu": "1", "memory": "256"}

        await apply.ensure(client, manifests.build_worker_deployment(spec, spec.image, 1), owner)
        assert patches() == 0

        more = {**resources, "limits": {"cpu": "0.5", "memory": "2Gi"}}
        changed = parse_spec("shop", NAMESPACE, noveltool(worker={"resources": more})["spec"])
        result = await apply.ensure(client, manifests.build_worker_deployment(changed, spec.image, 1), owner)
        assert patches() == 1
        assert result["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] == "2Gi"
    finally:
        await client.close()
