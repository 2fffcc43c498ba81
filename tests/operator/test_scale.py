"""The scale subresource (web replicas) and an external autoscaler owning the workers (kmock, the real operator)."""

import pytest

from novel_operator import manifests as m
from novel_operator.spec import InvalidSpec, parse_spec

from .conftest import NAMESPACE, Cluster, eventually, noveltool
from .test_operator import DEPLOYMENTS, install


def label_selector(text: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in text.split(","))


@pytest.mark.asyncio
async def test_the_status_serves_the_scale_subresource(k8s: Cluster, running_operator: None) -> None:
    await install(k8s)
    await k8s.roll_out("shop-web")
    status = await eventually(
        lambda: k8s.noveltool()["status"].get("webReplicas") == 2 and k8s.noveltool()["status"], message="webReplicas"
    )
    pods = k8s.get(DEPLOYMENTS, "shop-web")["spec"]["template"]["metadata"]["labels"]
    assert label_selector(status["webSelector"]).items() <= pods.items()
    # Only the web pods: an HPA on this selector must not count the realtime or worker pods.
    for other in ("shop-realtime", "shop-worker"):
        labels = k8s.get(DEPLOYMENTS, other)["spec"]["template"]["metadata"]["labels"]
        assert not label_selector(status["webSelector"]).items() <= labels.items()

    # What `kubectl scale noveltool shop --replicas=4` writes through /scale: spec.web.replicas.
    await k8s.patch_spec({"web": {"replicas": 4}})
    await eventually(lambda: k8s.get(DEPLOYMENTS, "shop-web")["spec"]["replicas"] == 4, message="4 web replicas")
    await k8s.roll_out("shop-web")
    await eventually(lambda: k8s.noveltool()["status"].get("webReplicas") == 4, message="webReplicas 4")


@pytest.mark.asyncio
async def test_an_external_autoscaler_owns_the_worker_replicas(k8s: Cluster, running_operator: None) -> None:
    await install(k8s, worker={"replicas": 1, "externalAutoscaler": True})
    assert (
        "replicas"
        not in m.build_worker_deployment(
            parse_spec("shop", NAMESPACE, noveltool(worker={"externalAutoscaler": True})["spec"]), "i", None
        )["spec"]
    )
    # KEDA scales the workers; a few timer rounds later they are still as KEDA set them.
    k8s.emulator.objects[DEPLOYMENTS, NAMESPACE, "shop-worker"].patch({"spec": {"replicas": 7}})
    writes = k8s.versions(DEPLOYMENTS, "shop-worker")
    await eventually(lambda: k8s.noveltool()["status"].get("workerReplicas") == 7, message="the status follows")
    assert k8s.get(DEPLOYMENTS, "shop-worker")["spec"]["replicas"] == 7
    assert k8s.versions(DEPLOYMENTS, "shop-worker") == writes


def test_an_external_autoscaler_excludes_the_operators():
    body = noveltool(worker={"externalAutoscaler": True, "autoscaling": {"enabled": True}})
    with pytest.raises(InvalidSpec, match="exclude each other"):
        parse_spec("shop", NAMESPACE, body["spec"])
