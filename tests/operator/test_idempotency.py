"""Reconciling twice changes nothing: the second pass reads but never writes."""

import pytest

from novel_operator import kube
from novel_operator.reconcile import reconcile
from novel_operator.spec import parse_spec

from .conftest import NAMESPACE, Cluster, noveltool

pytestmark = pytest.mark.asyncio


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
