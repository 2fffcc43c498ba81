"""The hand-over from the old operator's writes to server-side apply, on a real API server.

apiextensions-apiserver serves no Services, so a CRD of the test's own group
serves a kind named Service whose ``spec.ports`` is declared as the real
Service's is (a list map keyed by port and protocol). The operator's own code
writes it, unchanged: ``kube.object_path`` finds it as it finds a Service.
The emulator replaces lists whole; the real server merges them by key and
tracks each entry's owner, which is what the hand-over depends on.
"""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from novel_operator import apply, kube, manifests
from novel_operator import constants as c
from novel_operator.spec import parse_spec

from ..conftest import NAMESPACE, noveltool
from .conftest import TEST_GROUP, RealClient, install_crd
from .proxy import RoutingProxy

pytestmark = pytest.mark.asyncio

API_VERSION = f"{TEST_GROUP}/v1"
SERVICES = f"/apis/{API_VERSION}/namespaces/{NAMESPACE}/services"
PORT_SCHEMA = {
    "type": "object",
    "required": ["port"],
    "properties": {
        "name": {"type": "string"},
        "port": {"type": "integer"},
        "protocol": {"type": "string", "default": "TCP"},
        "targetPort": {"x-kubernetes-int-or-string": True},
    },
}
SERVICE_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": f"services.{TEST_GROUP}"},
    "spec": {
        "group": TEST_GROUP,
        "scope": "Namespaced",
        "names": {"kind": "Service", "plural": "services", "singular": "service"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {
                                    "type": {"type": "string"},
                                    "selector": {"type": "object", "additionalProperties": {"type": "string"}},
                                    # As in the Service's OpenAPI schema.
                                    "ports": {
                                        "type": "array",
                                        "items": PORT_SCHEMA,
                                        "x-kubernetes-list-type": "map",
                                        "x-kubernetes-list-map-keys": ["port", "protocol"],
                                    },
                                },
                            },
                        },
                    },
                },
            },
        ],
    },
}
HELM_LABEL = "helm.sh/chart"

# The NovelTool that owns the Service: installed by Helm, so it carries Helm's label.
OWNER = {
    "apiVersion": c.API_VERSION,
    "kind": c.KIND,
    "metadata": {
        "name": "shop",
        "namespace": NAMESPACE,
        "uid": str(uuid.uuid4()),
        "labels": {HELM_LABEL: "novel-pyramid-0.1.0", "team": "books"},
    },
}


def wanted_service() -> dict[str, Any]:
    """What the operator applies now: the web Service of manifests.py, in the test's group."""
    spec = parse_spec("shop", NAMESPACE, noveltool()["spec"])
    return {**manifests.build_web_service(spec), "apiVersion": API_VERSION}


def old_service() -> dict[str, Any]:
    """What an operator that did not apply yet wrote: Helm's label inherited, a port since dropped."""
    service = wanted_service()
    labels = {**service["metadata"]["labels"], **OWNER["metadata"]["labels"]}
    service["metadata"] = {**service["metadata"], "labels": labels}
    service["spec"] = {
        **service["spec"],
        "ports": [
            {"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"},
            {"name": "debug", "port": 9999, "targetPort": 9999, "protocol": "TCP"},
        ],
    }
    return service


def entries(obj: dict[str, Any]) -> dict[str, str]:
    return {entry["manager"]: entry["operation"] for entry in obj["metadata"]["managedFields"]}


def ports(obj: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {port["port"]: port for port in obj["spec"]["ports"]}


@pytest_asyncio.fixture()
async def client(real: RealClient, proxy: RoutingProxy) -> AsyncIterator[kube.KubeClient]:
    await install_crd(real, SERVICE_CRD)
    client = kube.KubeClient(kube.KubeConfig(server=proxy.url))
    try:
        yield client
    finally:
        await client.close()
        status, body = await real.request("DELETE", SERVICES)
        assert status == 200, body


async def written_by_the_old_operator(real: RealClient) -> dict[str, Any]:
    # No fieldManager was sent then: the server named the writes by aiohttp's user agent.
    created = await real.create(SERVICES, old_service(), fieldManager="Python")
    assert entries(created) == {"Python": "Update"}
    return created


async def test_apply_alone_leaves_what_the_old_operator_wrote(real: RealClient, client: kube.KubeClient) -> None:
    await written_by_the_old_operator(real)
    manifest = wanted_service()
    apply.adopt(manifest, OWNER)

    applied = await client.apply(kube.object_path(manifest), manifest)

    # The fields are still the old manager's too, so no longer applying them removes nothing.
    assert set(ports(applied)) == {80, 9999}
    assert HELM_LABEL in applied["metadata"]["labels"]
    assert entries(applied) == {"Python": "Update", kube.FIELD_MANAGER: "Apply"}


async def test_the_hand_over_leaves_the_applied_fields_alone(real: RealClient, client: kube.KubeClient) -> None:
    await written_by_the_old_operator(real)
    manifest = wanted_service()

    result = await apply.ensure(client, manifest, OWNER)

    stored = await real.get(f"{SERVICES}/shop-web")
    assert stored == result
    assert entries(stored) == {kube.FIELD_MANAGER: "Apply"}
    # The dropped port and the inherited Helm label are gone; what is applied stays, merged by key.
    assert stored["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]
    assert HELM_LABEL not in stored["metadata"]["labels"]
    assert stored["metadata"]["labels"]["team"] == "books"
    assert stored["metadata"]["ownerReferences"][0]["uid"] == OWNER["metadata"]["uid"]

    # Once: the next reconciliation finds nothing to hand over, and writes nothing.
    again = await apply.ensure(client, wanted_service(), OWNER)
    assert again["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]


async def test_another_managers_port_survives_the_hand_over(
    real: RealClient, client: kube.KubeClient, proxy: RoutingProxy
) -> None:
    created = await written_by_the_old_operator(real)
    # Someone adds a port by hand (`kubectl edit` sends a patch of the list's entry).
    status, answer = await real.request(
        "PATCH",
        f"{SERVICES}/shop-web",
        [
            {"op": "test", "path": "/metadata/resourceVersion", "value": created["metadata"]["resourceVersion"]},
            {"op": "add", "path": "/spec/ports/-", "value": {"name": "extra", "port": 7000, "protocol": "TCP"}},
        ],
        content_type="application/json-patch+json",
        params={"fieldManager": "kubectl-edit"},
    )
    assert status == 200, answer

    await apply.ensure(client, wanted_service(), OWNER)

    stored = await real.get(f"{SERVICES}/shop-web")
    assert set(ports(stored)) == {80, 7000}
    assert ports(stored)[80]["targetPort"] == "http"  # the operator's entry, changed in place
    assert entries(stored) == {kube.FIELD_MANAGER: "Apply", "kubectl-edit": "Update"}
    # The hand-over itself went by the operator's client, guarded by the resourceVersion.
    assert ("PATCH", f"{SERVICES}/shop-web", "real") in proxy.requests
