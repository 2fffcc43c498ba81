"""Fixtures for the tests against a real API server for custom resources.

apiextensions-apiserver and etcd, built from Debian's packages by
``build-apiextensions-apiserver`` (once per machine, into the user's cache),
run for the session. The CRDs and custom resources live there for real
(validation, defaults, CEL rules, subresources, server-side apply, finalizers,
watches); the built-in kinds, which that server does not serve, stay in kmock's
emulator, reached through the routing proxy (proxy.py). Where the server
cannot be built (no network, not Debian) these tests skip, saying why.
"""

import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import kmock
import pytest
import pytest_asyncio

from novel_operator import constants as c
from novel_operator.crd import build_crd

from ..conftest import CRD_RESOURCE, NAMESPACE, poll
from . import servers
from .proxy import RoutingProxy

# The group of the test's own CRDs (test_handover.py).
TEST_GROUP = "realapi.test.example"
REAL_GROUPS = ("apiextensions.k8s.io", c.GROUP, TEST_GROUP)
CRDS = f"/apis/{CRD_RESOURCE}"
NT_PATH = f"/apis/{c.GROUP}/{c.VERSION}/namespaces/{NAMESPACE}/{c.PLURAL}"


@pytest.fixture(scope="session")
def real_api() -> Iterator[servers.RealAPI]:
    try:
        binaries = servers.build()
    except servers.Unavailable as exc:
        pytest.skip(f"no real API server: {exc}")
    directory = Path(tempfile.mkdtemp(prefix="realapi-"))
    try:
        with servers.run_real_api(binaries, directory) as api:
            yield api
    finally:
        shutil.rmtree(directory, ignore_errors=True)


class RealClient:
    """Requests to the real server as its administrator; each answers the status and the decoded body."""

    def __init__(self, api: servers.RealAPI) -> None:
        self.api = api
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=api.credentials.client_context()))

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str = "application/json",
        params: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        headers = {"Accept": "application/json", "Content-Type": content_type}
        async with self.session.request(
            method, self.api.url + path, json=body, headers=headers, params=params
        ) as response:
            return response.status, await response.json(content_type=None)

    async def get(self, path: str) -> dict[str, Any] | None:
        status, body = await self.request("GET", path)
        if status == 404:
            return None
        assert status == 200, body
        return body

    async def create(self, path: str, body: dict[str, Any], **params: str) -> dict[str, Any]:
        status, answer = await self.request("POST", path, body, params=params)
        assert status == 201, answer
        return answer

    async def merge_patch(self, path: str, patch: dict[str, Any], **params: str) -> dict[str, Any]:
        status, answer = await self.request(
            "PATCH", path, patch, content_type="application/merge-patch+json", params=params
        )
        assert status == 200, answer
        return answer

    async def close(self) -> None:
        await self.session.close()


@pytest_asyncio.fixture()
async def real(real_api: servers.RealAPI) -> AsyncIterator[RealClient]:
    client = RealClient(real_api)
    try:
        yield client
    finally:
        await client.close()


async def delete_crd(real: RealClient, name: str) -> None:
    """Delete the CRD and wait until it is gone (the server first deletes its custom resources)."""
    status, body = await real.request("DELETE", f"{CRDS}/{name}")
    assert status in (200, 404), body
    await poll(lambda: real.get(f"{CRDS}/{name}"), lambda crd: crd is None, f"the CRD {name} to go")


async def install_crd(real: RealClient, crd: dict[str, Any], *, manager: str = "realapi-tests") -> dict[str, Any]:
    """Create (or replace) the CRD as ``manager`` and wait until its resources are served."""
    name = crd["metadata"]["name"]
    existing = await real.get(f"{CRDS}/{name}")
    if existing is None:
        await real.create(CRDS, crd, fieldManager=manager)
    else:
        body = {**crd, "metadata": {**crd["metadata"], "resourceVersion": existing["metadata"]["resourceVersion"]}}
        status, answer = await real.request("PUT", f"{CRDS}/{name}", body, params={"fieldManager": manager})
        assert status == 200, answer
    return await established(real, crd)


async def established(real: RealClient, crd: dict[str, Any]) -> dict[str, Any]:
    """The CRD once Established, and once a list of its resources answers (the watch cache is ready)."""
    name = crd["metadata"]["name"]

    def is_established(stored: dict[str, Any] | None) -> bool:
        conditions = ((stored or {}).get("status") or {}).get("conditions") or ()
        return any(cond["type"] == "Established" and cond["status"] == "True" for cond in conditions)

    stored = await poll(lambda: real.get(f"{CRDS}/{name}"), is_established, f"the CRD {name} to be established")
    spec = crd["spec"]
    collection = f"/apis/{spec['group']}/{spec['versions'][0]['name']}/{spec['names']['plural']}"
    await poll(lambda: real.request("GET", collection), lambda answer: answer[0] == 200, f"{collection} to list")
    return stored


@pytest_asyncio.fixture()
async def noveltool_crd(real: RealClient) -> AsyncIterator[dict[str, Any]]:
    """The operator's CRD installed; the NovelTools made meanwhile are deleted afterwards."""
    crd = await install_crd(real, build_crd())
    try:
        yield crd
    finally:
        listing = await real.get(NT_PATH) or {"items": []}
        for item in listing["items"]:
            if item["metadata"].get("finalizers"):  # an operator stopped before it released it
                await real.merge_patch(f"{NT_PATH}/{item['metadata']['name']}", {"metadata": {"finalizers": None}})
        status, body = await real.request("DELETE", NT_PATH)
        assert status == 200, body


@pytest_asyncio.fixture()
async def proxy(real_api: servers.RealAPI, kmock: kmock.KubernetesEmulator) -> AsyncIterator[RoutingProxy]:
    async with RoutingProxy(
        real_url=real_api.url,
        real_ssl=real_api.credentials.client_context(),
        emulator_url=str(kmock.url),
        real_groups=REAL_GROUPS,
    ) as routing:
        yield routing


@pytest.fixture()
def kube_url(proxy: RoutingProxy, noveltool_crd: dict[str, Any]) -> str:
    """``running_operator`` of tests/operator, aimed at the proxy once the operator's CRD is in the real server."""
    return proxy.url
