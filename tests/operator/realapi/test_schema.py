"""The CRD of crd.py on a real API server: accepted, and its schema enforced and defaulted as written."""

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from novel_operator import constants as c
from novel_operator.crd import build_crd

from ..conftest import noveltool
from .conftest import NT_PATH, RealClient

NovelTool = dict[str, Any]


def minimal(name: str) -> NovelTool:
    """A NovelTool with only what the schema requires; the server assigns the rest of the metadata."""
    body = noveltool(name)
    return {
        **body,
        "metadata": {"name": name, "namespace": body["metadata"]["namespace"]},
        "spec": {"image": body["spec"]["image"], "secrets": body["spec"]["secrets"]},
    }


async def refusal(real: RealClient, body: NovelTool) -> str:
    """Create ``body``, which must be refused as invalid (422); the server's message."""
    status, answer = await real.request("POST", NT_PATH, body)
    assert status == 422, answer
    return answer["message"]


def spec_schema() -> dict[str, Any]:
    return build_crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]


def defaults(schema: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Each default that applies to a spec without optional fields: within objects that are defaulted too."""
    for key, prop in schema.get("properties", {}).items():
        if "default" in prop:
            yield (*path, key), prop["default"]
            if prop.get("type") == "object":
                yield from defaults(prop, (*path, key))


def _schemas(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield schema
    for prop in schema.get("properties", {}).values():
        yield from _schemas(prop)
    if isinstance(schema.get("items"), dict):
        yield from _schemas(schema["items"])


def cel_rules() -> dict[str, str]:
    """Each CEL rule of the CRD's schema: the message the server gives when it is broken."""
    schema = build_crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return {
        validation["rule"]: validation.get("message", validation["rule"])
        for part in _schemas(schema)
        for validation in part.get("x-kubernetes-validations", ())
    }


def long_name(body: NovelTool, length: int) -> None:
    body["metadata"]["name"] = "n" * length


def scaling_bounds(body: NovelTool, low: int, high: int) -> None:
    body["spec"]["worker"] = {"autoscaling": {"enabled": True, "minReplicas": low, "maxReplicas": high}}


# Each CEL rule of crd.py: an object that breaks it, and the nearest one that keeps it.
CEL_CASES: dict[str, tuple[Callable[[NovelTool], None], Callable[[NovelTool], None]]] = {
    "self.metadata.name.size() <= 40": (lambda b: long_name(b, 41), lambda b: long_name(b, 40)),
    "self.minReplicas <= self.maxReplicas": (lambda b: scaling_bounds(b, 5, 4), lambda b: scaling_bounds(b, 4, 4)),
}


@pytest.mark.asyncio
async def test_the_crd_is_accepted_and_established(real: RealClient, noveltool_crd: dict[str, Any]) -> None:
    conditions = {cond["type"]: cond for cond in noveltool_crd["status"]["conditions"]}
    assert conditions["Established"]["status"] == "True"
    assert conditions["NamesAccepted"]["status"] == "True"
    assert "NonStructuralSchema" not in conditions
    discovered = await real.get(f"/apis/{c.GROUP}/{c.VERSION}")
    resources = {resource["name"]: resource for resource in discovered["resources"]}
    assert resources[c.PLURAL]["kind"] == c.KIND
    assert resources[c.PLURAL]["shortNames"] == list(c.SHORT_NAMES)
    assert {f"{c.PLURAL}/status", f"{c.PLURAL}/scale"} <= set(resources)


@pytest.mark.asyncio
async def test_an_invalid_quantity_is_refused(real: RealClient, noveltool_crd: dict[str, Any]) -> None:
    body = minimal("quantities")
    body["spec"]["web"] = {"resources": {"requests": {"cpu": "lots"}}}
    assert "spec.web.resources.requests.cpu" in await refusal(real, body)

    body["spec"]["web"] = {"resources": {"requests": {"cpu": "250m", "memory": "1Gi"}, "limits": {"cpu": 1}}}
    created = await real.create(NT_PATH, body)
    assert created["spec"]["web"]["resources"]["limits"]["cpu"] == 1


@pytest.mark.asyncio
async def test_the_schemas_defaults_are_applied(real: RealClient, noveltool_crd: dict[str, Any]) -> None:
    created = await real.create(NT_PATH, minimal("defaults"))
    expected = list(defaults(spec_schema()))
    assert len(expected) > 20, expected  # the walk found the schema's defaults
    for path, default in expected:
        value: Any = created["spec"]
        for key in path:
            assert key in value, f"spec.{'.'.join(path)} was not defaulted"
            value = value[key]
        if default != {}:
            assert value == default, path
    # The server stores them: a read gives the same.
    assert (await real.get(f"{NT_PATH}/defaults"))["spec"] == created["spec"]


def test_every_cel_rule_of_the_crd_has_a_case() -> None:
    assert sorted(cel_rules()) == sorted(CEL_CASES)


@pytest.mark.asyncio
@pytest.mark.parametrize("rule", sorted(CEL_CASES))
async def test_each_cel_rule_is_enforced(real: RealClient, noveltool_crd: dict[str, Any], rule: str) -> None:
    breaking, keeping = CEL_CASES[rule]
    body = minimal("cel")
    breaking(body)
    assert cel_rules()[rule] in await refusal(real, body)

    body = minimal("cel")
    keeping(body)
    await real.create(NT_PATH, body)


@pytest.mark.asyncio
async def test_status_writes_leave_the_generation_and_spec_writes_raise_it(
    real: RealClient, noveltool_crd: dict[str, Any]
) -> None:
    path = f"{NT_PATH}/generations"
    created = await real.create(NT_PATH, minimal("generations"))
    assert created["metadata"]["generation"] == 1

    status = {"currentImage": "novel-pyramid:1.0", "observedGeneration": 1}
    patched = await real.merge_patch(f"{path}/status", {"status": status, "spec": {"image": "ignored:2"}})
    assert patched["metadata"]["generation"] == 1
    assert patched["status"] == status
    assert patched["spec"]["image"] == "novel-pyramid:1.0"  # /status writes only the status

    patched = await real.merge_patch(path, {"spec": {"image": "novel-pyramid:2.0"}, "status": {"currentImage": "x"}})
    assert patched["metadata"]["generation"] == 2
    assert patched["status"] == status  # the main resource writes no status

    # A write that changes nothing in the spec is no new generation.
    patched = await real.merge_patch(path, {"metadata": {"labels": {"team": "books"}}})
    assert patched["metadata"]["generation"] == 2


@pytest.mark.asyncio
async def test_the_scale_subresource_is_the_web_replicas(real: RealClient, noveltool_crd: dict[str, Any]) -> None:
    path = f"{NT_PATH}/scaled"
    await real.create(NT_PATH, minimal("scaled"))
    selector = "app.kubernetes.io/name=novel-pyramid,app.kubernetes.io/component=web"
    await real.merge_patch(f"{path}/status", {"status": {"webReplicas": 2, "webSelector": selector}})

    scale = await real.get(f"{path}/scale")
    assert scale["kind"] == "Scale"
    assert scale["spec"] == {"replicas": 2}  # the schema's default of spec.web.replicas
    assert scale["status"] == {"replicas": 2, "selector": selector}

    update = copy.deepcopy(scale)
    update["spec"]["replicas"] = 5
    status, answer = await real.request("PUT", f"{path}/scale", update)
    assert status == 200, answer
    stored = await real.get(path)
    assert stored["spec"]["web"]["replicas"] == 5
    assert stored["metadata"]["generation"] == 2

    await real.merge_patch(f"{path}/scale", {"spec": {"replicas": 3}})
    stored = await real.get(path)
    assert stored["spec"]["web"]["replicas"] == 3
    assert stored["spec"]["realtime"]["replicas"] == 2  # only the web's

    # The schema's minimum holds through the subresource too.
    status, answer = await real.request(
        "PATCH", f"{path}/scale", {"spec": {"replicas": -1}}, content_type="application/merge-patch+json"
    )
    assert status == 422, answer
