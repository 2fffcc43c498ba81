"""crd_sync.ensure_crd against the real server: the managed CRD is applied, upgraded, or refused."""

import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from novel_operator import constants as c
from novel_operator import crd_sync, kube
from novel_operator.crd import build_crd, schema_generation

from .conftest import CRDS, RealClient, delete_crd, established, install_crd
from .proxy import RoutingProxy

pytestmark = pytest.mark.asyncio

CRD_PATH = f"{CRDS}/{c.CRD_NAME}"


def older_crd() -> dict[str, Any]:
    """The CRD as an operator of schema generation 1 left it: no annotation, and no scale subresource yet."""
    crd = copy.deepcopy(build_crd())
    del crd["metadata"]["annotations"]
    del crd["spec"]["versions"][0]["subresources"]["scale"]
    return crd


def writes(proxy: RoutingProxy) -> list[tuple[str, str, str]]:
    return [request for request in proxy.requests if request[0] != "GET"]


def managers(crd: dict[str, Any]) -> dict[str, str]:
    """Who wrote the CRD itself (its status is the server's own)."""
    entries = crd["metadata"].get("managedFields") or ()
    return {entry["manager"]: entry["operation"] for entry in entries if not entry.get("subresource")}


@pytest_asyncio.fixture()
async def client(proxy: RoutingProxy) -> AsyncIterator[kube.KubeClient]:
    client = kube.KubeClient(kube.KubeConfig(server=proxy.url))
    try:
        yield client
    finally:
        await client.close()


@pytest_asyncio.fixture()
async def no_crd(real: RealClient) -> AsyncIterator[None]:
    await delete_crd(real, c.CRD_NAME)
    yield
    # The next test finds the operator's CRD, as the others expect.
    await install_crd(real, build_crd())


async def test_a_missing_crd_is_applied(real: RealClient, client: kube.KubeClient, no_crd: None) -> None:
    assert await crd_sync.ensure_crd(client, manage=True) == c.CRD_SCHEMA_GENERATION

    stored = await established(real, build_crd())
    assert managers(stored) == {kube.FIELD_MANAGER: "Apply"}
    assert schema_generation(stored) == c.CRD_SCHEMA_GENERATION
    assert stored["spec"]["versions"][0]["schema"] == build_crd()["spec"]["versions"][0]["schema"]


async def test_an_older_crd_is_upgraded_by_server_side_apply(
    real: RealClient, client: kube.KubeClient, no_crd: None
) -> None:
    before = await install_crd(real, older_crd(), manager="helm")
    assert schema_generation(before) == 1

    assert await crd_sync.ensure_crd(client, manage=True) == c.CRD_SCHEMA_GENERATION

    stored = await real.get(CRD_PATH)
    assert schema_generation(stored) == c.CRD_SCHEMA_GENERATION
    assert stored["spec"]["versions"][0]["subresources"]["scale"]["specReplicasPath"] == ".spec.web.replicas"
    assert stored["metadata"]["generation"] == before["metadata"]["generation"] + 1
    assert managers(stored)[kube.FIELD_MANAGER] == "Apply"
    applied = next(e for e in stored["metadata"]["managedFields"] if e["manager"] == kube.FIELD_MANAGER)
    # The operator now owns what it changed, the annotation and the scale subresource among them.
    assert f"f:{c.CRD_SCHEMA_ANNOTATION}" in applied["fieldsV1"]["f:metadata"]["f:annotations"]
    await established(real, build_crd())


async def test_an_older_crd_is_refused_without_management(
    real: RealClient, client: kube.KubeClient, proxy: RoutingProxy, no_crd: None
) -> None:
    before = await install_crd(real, older_crd(), manager="helm")

    with pytest.raises(crd_sync.CRDOutdated, match="at schema generation 1"):
        await crd_sync.ensure_crd(client, manage=False)

    after = await real.get(CRD_PATH)
    assert after["metadata"]["generation"] == before["metadata"]["generation"]
    assert kube.FIELD_MANAGER not in managers(after)
    assert writes(proxy) == []


async def test_a_current_crd_is_left_alone(real: RealClient, client: kube.KubeClient, proxy: RoutingProxy) -> None:
    before = await install_crd(real, build_crd())

    assert await crd_sync.ensure_crd(client, manage=True) == c.CRD_SCHEMA_GENERATION

    assert writes(proxy) == []
    assert (await real.get(CRD_PATH))["metadata"]["generation"] == before["metadata"]["generation"]
