"""At start-up the operator applies its CRD when allowed, and refuses to run against an older one (kmock)."""

import copy

import pytest
import pytest_asyncio

from novel_operator import constants as c
from novel_operator import crd_sync, kube
from novel_operator.crd import build_crd, schema_generation

from .conftest import CRD_RESOURCE, Cluster

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def client(k8s: Cluster):
    client = kube.KubeClient(kube.KubeConfig(server=str(k8s.emulator.url).rstrip("/")))
    yield client
    await client.close()


def stored(k8s: Cluster):
    for (resource, _, name), obj in k8s.emulator.objects.items():
        if str(resource.plural) == "customresourcedefinitions" and name == c.CRD_NAME and not obj.deleted:
            return obj.raw
    return None


def older_crd():
    crd = copy.deepcopy(build_crd())
    del crd["metadata"]["annotations"]
    del crd["spec"]["versions"][0]["subresources"]["scale"]
    return crd


def writes(k8s: Cluster) -> list:
    return [r for r in list(k8s.emulator) if r.method in ("POST", "PATCH", "PUT", "DELETE")]


async def test_an_older_crd_is_applied_server_side_when_managed(k8s: Cluster, client) -> None:
    k8s.emulator.objects[CRD_RESOURCE, None, c.CRD_NAME] = older_crd()
    assert await crd_sync.ensure_crd(client, manage=True) == c.CRD_SCHEMA_GENERATION
    (request,) = writes(k8s)
    assert request.method == "PATCH" and request.headers["Content-Type"] == "application/apply-patch+yaml"
    assert request.params == {"fieldManager": "novel-operator", "force": "true"}
    crd = stored(k8s)
    assert schema_generation(crd) == c.CRD_SCHEMA_GENERATION
    assert crd["spec"] == build_crd()["spec"]
    assert k8s.emulator.applied_by(CRD_RESOURCE, None, c.CRD_NAME) == {"novel-operator"}


async def test_a_missing_crd_is_created_when_managed(k8s: Cluster, client) -> None:
    k8s.emulator.objects[CRD_RESOURCE, None, c.CRD_NAME].delete()
    assert stored(k8s) is None
    await crd_sync.ensure_crd(client, manage=True)
    assert stored(k8s)["spec"] == build_crd()["spec"]


async def test_an_older_crd_stops_the_operator_unless_managed(k8s: Cluster, client, monkeypatch) -> None:
    k8s.emulator.objects[CRD_RESOURCE, None, c.CRD_NAME] = older_crd()
    with pytest.raises(crd_sync.CRDOutdated, match="schema generation 1, older than this operator's"):
        await crd_sync.ensure_crd(client, manage=False)
    assert writes(k8s) == []

    # Allowed to manage it but refused by the API server (RBAC): it does not run either.
    async def forbidden(*_, **__):
        raise kube.KubeError(403, "customresourcedefinitions is forbidden")

    monkeypatch.setattr(client, "apply", forbidden)
    with pytest.raises(crd_sync.CRDOutdated, match="could not be applied"):
        await crd_sync.ensure_crd(client, manage=True)


async def test_the_same_or_a_newer_crd_is_left_alone(k8s: Cluster, client) -> None:
    assert await crd_sync.ensure_crd(client, manage=True) == c.CRD_SCHEMA_GENERATION
    newer = build_crd()
    newer["metadata"]["annotations"][c.CRD_SCHEMA_ANNOTATION] = str(c.CRD_SCHEMA_GENERATION + 1)
    k8s.emulator.objects[CRD_RESOURCE, None, c.CRD_NAME] = newer
    assert await crd_sync.ensure_crd(client, manage=True) == c.CRD_SCHEMA_GENERATION + 1
    assert writes(k8s) == []
