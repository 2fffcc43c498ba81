"""Children are written by server-side apply only, as one field manager; reconciling again changes nothing."""

import pytest

from novel_operator import apply, kube, manifests
from novel_operator import constants as c
from novel_operator.reconcile import reconcile
from novel_operator.spec import parse_spec

from .conftest import NAMESPACE, Cluster, noveltool
from .emulator import APPLY

pytestmark = pytest.mark.asyncio

DEPLOYMENTS = "apps/v1/deployments"
CHILDREN = [
    ("v1/configmaps", "shop-config"),
    (DEPLOYMENTS, "shop-web"),
    ("v1/services", "shop-web"),
    (DEPLOYMENTS, "shop-realtime"),
    ("v1/services", "shop-realtime"),
    (DEPLOYMENTS, "shop-worker"),
]


def writes(k8s: Cluster) -> list:
    return [r for r in list(k8s.emulator) if r.method in ("POST", "PUT", "PATCH", "DELETE")]


def client_of(k8s: Cluster) -> kube.KubeClient:
    return kube.KubeClient(kube.KubeConfig(server=str(k8s.emulator.url).rstrip("/")))


async def test_every_child_is_applied_by_the_operators_field_manager(k8s: Cluster) -> None:
    body = noveltool()
    spec = parse_spec("shop", NAMESPACE, body["spec"])
    client = client_of(k8s)
    try:
        first = await reconcile(client, body, spec)
        body["status"] = {**first.status_patch}
        (job,) = k8s.names("batch/v1/jobs")
        await k8s.finish_job(job, succeeded=True, revision="r1")
        await reconcile(client, body, spec)
    finally:
        await client.close()
    # The pod and the Job's status are the kubelet's and the Job controller's.
    ours = [r for r in writes(k8s) if not r.url.path.endswith(("/pods", "/status"))]
    assert ours and all(r.method == "PATCH" and r.headers["Content-Type"].startswith(APPLY) for r in ours)
    assert {(r.params.get("fieldManager"), r.params.get("force")) for r in ours} == {(c.FIELD_MANAGER, "true")}
    for resource, name in [*CHILDREN, ("batch/v1/jobs", job)]:
        assert k8s.emulator.applied_by(resource, NAMESPACE, name) == {c.FIELD_MANAGER}, name


async def test_a_second_reconcile_applies_the_same_and_the_server_writes_nothing(k8s: Cluster) -> None:
    body = noveltool()
    spec = parse_spec("shop", NAMESPACE, body["spec"])
    client = client_of(k8s)
    try:
        first = await reconcile(client, body, spec)
        assert first.waiting_for  # the migration Job was created
        body["status"] = {**first.status_patch}
        job = k8s.names("batch/v1/jobs")[0]
        await k8s.finish_job(job, succeeded=True, revision="r1")

        second = await reconcile(client, body, spec)
        body["status"].update(second.status_patch)
        assert not second.waiting_for and not second.failure
        versions = {child: k8s.versions(*child) for child in [*CHILDREN, ("batch/v1/jobs", job)]}
        before = len(writes(k8s))

        third = await reconcile(client, body, spec)
        sent = writes(k8s)[before:]
        previous = writes(k8s)[before - len(sent) : before]
        # The same applies as the round before, byte for byte, and not one object changed.
        assert [(r.url.path, r.data) for r in sent] == [(r.url.path, r.data) for r in previous]
        assert {child: k8s.versions(*child) for child in versions} == versions
        assert third.status_patch == {}
        # The Job is not applied again once it exists: its template is immutable.
        assert not [r for r in sent if "/jobs/" in r.url.path]
    finally:
        await client.close()


async def test_with_the_realtime_process_off_reconciling_again_changes_nothing(k8s: Cluster) -> None:
    body = noveltool(realtime={"enabled": False}, migration={"enabled": False})
    spec = parse_spec("shop", NAMESPACE, body["spec"])
    client = client_of(k8s)
    try:
        first = await reconcile(client, body, spec)
        body["status"] = {**first.status_patch}
        assert k8s.names(DEPLOYMENTS) == ["shop-web", "shop-worker"]
        assert k8s.names("v1/services") == ["shop-web"]
        versions = {name: k8s.versions(DEPLOYMENTS, name) for name in ("shop-web", "shop-worker")}

        before = len(writes(k8s))
        second = await reconcile(client, body, spec)
        # Applies only (nothing deleted: the realtime children are already gone), none of them a change.
        assert {r.method for r in writes(k8s)[before:]} == {"PATCH"}
        assert {name: k8s.versions(DEPLOYMENTS, name) for name in versions} == versions
        assert second.status_patch == {}
    finally:
        await client.close()


async def test_drift_is_taken_back_and_a_changed_quantity_applied(k8s: Cluster) -> None:
    resources = {"requests": {"cpu": "500m"}, "limits": {"memory": "1Gi"}}
    spec = parse_spec("shop", NAMESPACE, noveltool(worker={"resources": resources})["spec"])
    owner = noveltool()
    client = client_of(k8s)
    try:
        await apply.ensure(client, manifests.build_worker_deployment(spec, spec.image, 2), owner)
        # Someone scales it by hand: a field the operator owns, so its next apply (forced) takes it back.
        k8s.emulator.objects[DEPLOYMENTS, NAMESPACE, "shop-worker"].patch({"spec": {"replicas": 9}})
        result = await apply.ensure(client, manifests.build_worker_deployment(spec, spec.image, 2), owner)
        assert result["spec"]["replicas"] == 2

        more = {**resources, "limits": {"memory": "2Gi"}}
        changed = parse_spec("shop", NAMESPACE, noveltool(worker={"resources": more})["spec"])
        result = await apply.ensure(client, manifests.build_worker_deployment(changed, spec.image, 2), owner)
        assert result["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"] == {"memory": "2Gi"}
    finally:
        await client.close()
