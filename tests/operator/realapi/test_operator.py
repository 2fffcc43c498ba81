"""The real operator with its NovelTool in the real API server and the children in kmock, through the proxy."""

from typing import Any

import pytest

from novel_operator import constants as c

from ..conftest import Cluster, eventually, noveltool, poll
from .conftest import NT_PATH, RealClient
from .proxy import RoutingProxy

pytestmark = pytest.mark.asyncio

JOBS = "batch/v1/jobs"
DEPLOYMENTS = "apps/v1/deployments"


def condition(body: dict[str, Any] | None, kind: str) -> dict[str, Any]:
    for cond in ((body or {}).get("status") or {}).get("conditions") or ():
        if cond["type"] == kind:
            return cond
    return {}


async def test_a_noveltool_in_the_real_server_is_reconciled_and_released(
    real: RealClient, k8s: Cluster, proxy: RoutingProxy, running_operator: None
) -> None:
    body = noveltool()
    # The real server assigns the uid, the generation and the resourceVersion itself.
    body["metadata"] = {"name": "shop", "namespace": body["metadata"]["namespace"]}
    created = await real.create(NT_PATH, body)
    uid = created["metadata"]["uid"]
    path = f"{NT_PATH}/shop"

    # Kopf's finalizer, written to the real object.
    await poll(lambda: real.get(path), lambda nt: c.FINALIZER in nt["metadata"].get("finalizers", ()), "finalizer")

    jobs = await eventually(lambda: k8s.names(JOBS), message="the migration Job in kmock")
    assert k8s.get(JOBS, jobs[0])["metadata"]["ownerReferences"][0]["uid"] == uid
    await k8s.finish_job(jobs[0], succeeded=True, revision="rev1")
    names = ("shop-web", "shop-realtime", "shop-worker")
    await eventually(lambda: all(k8s.get(DEPLOYMENTS, name) for name in names), message="the Deployments")
    for name in names:
        await k8s.roll_out(name)

    ready = await poll(
        lambda: real.get(path), lambda nt: condition(nt, "Ready").get("status") == "True", "Ready=True in the status"
    )
    assert ready["status"]["observedGeneration"] == ready["metadata"]["generation"] == 1
    assert ready["status"]["currentImage"] == "novel-pyramid:1.0"
    assert ready["status"]["migratedRevision"] == "rev1"
    # The status went by /status (the real server drops status from writes to the main resource).
    assert ("PATCH", f"{path}/status", "real") in proxy.requests
    # ...and Kopf watched the real server, through the proxy.
    assert any(method == "GET" and p == NT_PATH and where == "real" for method, p, where in proxy.requests)

    # A spec change is a new generation, assigned by the server and observed by the operator.
    changed = await real.merge_patch(path, {"spec": {"web": {"replicas": 4}}})
    assert changed["metadata"]["generation"] == 2
    await eventually(lambda: k8s.get(DEPLOYMENTS, "shop-web")["spec"]["replicas"] == 4, message="4 web replicas")
    await k8s.roll_out("shop-web")
    await poll(
        lambda: real.get(path),
        lambda nt: nt["status"].get("observedGeneration") == 2 and condition(nt, "Ready").get("status") == "True",
        "generation 2 observed",
    )

    status, answer = await real.request("DELETE", path)
    assert status == 200, answer
    # The server only marks it; the operator's finalizer goes and then so does the object.
    await poll(lambda: real.get(path), lambda nt: nt is None, "the NovelTool to be deleted")
