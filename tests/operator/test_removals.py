"""What the spec no longer asks for goes from the children: the field manager no longer applies it."""

import pytest
import pytest_asyncio

from novel_operator import apply, kube, manifests
from novel_operator.spec import parse_spec

from .conftest import NAMESPACE, Cluster, noveltool

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def client(k8s: Cluster):
    client = kube.KubeClient(kube.KubeConfig(server=str(k8s.emulator.url).rstrip("/")))
    yield client
    await client.close()


OWNER = noveltool()


def spec_of(**spec):
    return parse_spec("shop", NAMESPACE, noveltool(**spec)["spec"])


async def test_a_setting_removed_from_the_spec_is_removed_from_the_configmap(k8s: Cluster, client) -> None:
    settings = {"logLevel": "INFO", "corsOrigins": "https://a.example"}
    await apply.ensure(client, manifests.build_configmap(spec_of(settings=settings)), OWNER)
    assert k8s.get("v1/configmaps", "shop-config")["data"]["CORS_ORIGINS"] == "https://a.example"

    result = await apply.ensure(client, manifests.build_configmap(spec_of(settings={"logLevel": "INFO"})), OWNER)

    assert "CORS_ORIGINS" not in result["data"]
    stored = k8s.get("v1/configmaps", "shop-config")["data"]
    assert "CORS_ORIGINS" not in stored and stored["LOG_LEVEL"] == "INFO"


async def test_a_resource_request_removed_from_the_spec_is_removed_from_the_deployment(k8s: Cluster, client) -> None:
    resources = {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"memory": "1Gi"}}
    before = spec_of(worker={"resources": resources})
    await apply.ensure(client, manifests.build_worker_deployment(before, before.image, 1), OWNER)

    after = spec_of(worker={"resources": {"requests": {"memory": "512Mi"}}})
    await apply.ensure(client, manifests.build_worker_deployment(after, after.image, 1), OWNER)

    container = k8s.get("apps/v1/deployments", "shop-worker")["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"] == {"requests": {"memory": "512Mi"}}
    # And once it is gone, applying the same again changes nothing.
    versions = k8s.versions("apps/v1/deployments", "shop-worker")
    await apply.ensure(client, manifests.build_worker_deployment(after, after.image, 1), OWNER)
    assert k8s.versions("apps/v1/deployments", "shop-worker") == versions


async def test_a_child_is_removed_only_when_this_noveltool_controls_it(k8s: Cluster, client) -> None:
    spec = spec_of()
    await apply.ensure(client, manifests.build_realtime_service(spec), OWNER)
    # Same name, another owner (a second NovelTool, or nobody): left alone.
    stranger = manifests.build_realtime_deployment(spec, spec.image)
    k8s.emulator.objects["apps/v1/deployments", NAMESPACE, "shop-realtime"] = stranger

    assert await apply.remove(client, stranger, OWNER) is False
    assert k8s.get("apps/v1/deployments", "shop-realtime") is not None
    assert await apply.remove(client, manifests.build_realtime_service(spec), OWNER) is True
    assert k8s.get("v1/services", "shop-realtime") is None
    # Already gone: nothing to do, and no write.
    deletes = len([r for r in list(k8s.emulator) if r.method == "DELETE"])
    assert await apply.remove(client, manifests.build_realtime_service(spec), OWNER) is False
    assert len([r for r in list(k8s.emulator) if r.method == "DELETE"]) == deletes
