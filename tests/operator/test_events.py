"""Refusals and state changes are reported in the status and as Kubernetes Events (kmock, the real operator)."""

import pytest

from novel_operator import events as ev
from novel_operator import status as st

from .conftest import NAMESPACE, Cluster, eventually, noveltool
from .test_operator import DEPLOYMENTS, JOBS, install


def events(k8s: Cluster, name: str = "shop") -> list[tuple[str, str, str]]:
    """(type, reason, message) of the Events about the NovelTool, oldest first."""
    found = []
    for event_name in k8s.names("v1/events"):
        event = k8s.get("v1/events", event_name)
        involved = event.get("involvedObject") or {}
        if involved.get("kind") == "NovelTool" and involved.get("name") == name:
            found.append((event.get("firstTimestamp") or "", event["type"], event["reason"], event.get("message", "")))
    return [entry[1:] for entry in sorted(found)]


def reasons(k8s: Cluster) -> list[str]:
    return [reason for _, reason, _ in events(k8s)]


@pytest.mark.asyncio
async def test_an_invalid_quantity_is_refused_in_the_status_and_an_event(k8s: Cluster, running_operator: None) -> None:
    # What an API server with a CRD older than the quantity pattern lets through.
    await k8s.create(noveltool(web={"resources": {"requests": {"cpu": "lots"}}}))
    degraded = await eventually(
        lambda: k8s.condition("Degraded").get("status") == "True" and k8s.condition("Degraded"), message="Degraded"
    )
    assert degraded["reason"] == "InvalidSpec"
    assert "spec.web.resources.requests.cpu" in degraded["message"]
    assert k8s.condition("Ready")["status"] == "False" and k8s.condition("Ready")["reason"] == "InvalidSpec"
    assert k8s.noveltool()["status"]["observedGeneration"] == 1
    await eventually(lambda: "InvalidSpec" in reasons(k8s), message="an InvalidSpec Event")
    (warning,) = [e for e in events(k8s) if e[1] == "InvalidSpec"]
    assert warning[0] == "Warning" and "lots" in warning[2]
    # Nothing was made from it, and the timer does not tell it again.
    assert k8s.names(JOBS) == [] and k8s.names(DEPLOYMENTS) == []

    # Fixed: the refusal is lifted and that is told too.
    await k8s.patch_spec({"web": {"resources": {"requests": {"cpu": "100m"}}}})
    await eventually(lambda: k8s.names(JOBS), message="the migration Job")
    await eventually(lambda: k8s.condition("Degraded").get("status") == "False", message="no longer Degraded")
    assert reasons(k8s).count("InvalidSpec") == 1


@pytest.mark.asyncio
async def test_a_child_refused_by_the_api_server_is_reported(k8s: Cluster, running_operator: None) -> None:
    refusal = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": "Invalid",
        "code": 422,
        "message": 'Deployment.apps "shop-web" is invalid: spec.template.spec.containers[0].resources: Invalid',
    }
    k8s.emulator.refusals[f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/shop-web"] = (422, refusal)
    await k8s.create(noveltool(migration={"enabled": False}))

    degraded = await eventually(
        lambda: k8s.condition("Degraded").get("reason") == "Rejected" and k8s.condition("Degraded"),
        message="Degraded/Rejected",
    )
    assert degraded["status"] == "True"
    # The API server's own words, not its JSON.
    assert degraded["message"].endswith("spec.template.spec.containers[0].resources: Invalid")
    assert k8s.condition("Ready")["status"] == "False"
    await eventually(lambda: "Rejected" in reasons(k8s), message="a Rejected Event")
    (warning,) = [e for e in events(k8s) if e[1] == "Rejected"]
    assert warning[0] == "Warning"


@pytest.mark.asyncio
async def test_every_state_change_is_an_event(k8s: Cluster, running_operator: None) -> None:
    await install(k8s, revision="rev1")
    await eventually(lambda: "MigrationSucceeded" in reasons(k8s), message="MigrationSucceeded")
    for name in ("shop-web", "shop-worker", "shop-realtime"):
        await k8s.roll_out(name)
    await eventually(lambda: "Available" in reasons(k8s), message="Available")
    told = events(k8s)
    assert ("Normal", "Migrating") in [(t, r) for t, r, _ in told]
    assert [m for _, r, m in told if r == "MigrationSucceeded"] == [
        f"Migrated is True: revision rev1 by Job {k8s.names(JOBS)[0]}"
    ]
    assert all(t == "Normal" for t, _, _ in told)
    # A steady state tells nothing more.
    count = len(told)
    await eventually(lambda: k8s.noveltool()["status"].get("observedGeneration") == 1)
    for _ in range(3):
        await eventually(lambda: k8s.condition("Ready").get("status") == "True")
    assert len(events(k8s)) == count

    # A failed migration is a warning.
    await k8s.patch_spec({"image": "novel-pyramid:broken"})
    jobs = await eventually(
        lambda: [
            j
            for j in k8s.names(JOBS)
            if "broken" in k8s.get(JOBS, j)["metadata"]["annotations"]["frenchnoveltool.dev/image"]
        ],
        message="the Job",
    )
    await k8s.finish_job(jobs[0], succeeded=False)
    await eventually(lambda: "MigrationFailed" in reasons(k8s), message="MigrationFailed")
    assert {t for t, r, _ in events(k8s) if r == "MigrationFailed"} == {"Warning"}


def test_a_refusal_is_told_once_and_a_first_healthy_state_says_nothing_of_degraded():
    refused = st.refusal([], "InvalidSpec", "spec.image is required")
    assert ev.condition_events([], refused) == [
        ev.Event("Warning", "InvalidSpec", "Degraded is True: spec.image is required")
    ]
    healthy = st.set_condition([], st.DEGRADED, False, "AsExpected")
    healthy = st.set_condition(healthy, st.READY, False, "NotAvailable", "the new version is not available yet")
    assert ev.condition_events([], healthy) == [
        ev.Event("Normal", "NotAvailable", "Ready is False: the new version is not available yet")
    ]
    # A message that changes under the same reason (RollingOut naming other Deployments) is no new event.
    rolling = st.set_condition(healthy, st.PROGRESSING, True, "RollingOut", "waiting: shop-web")
    again = st.set_condition(rolling, st.PROGRESSING, True, "RollingOut", "waiting: shop-worker")
    assert ev.condition_events(rolling, again) == []


def test_scaling_events_only_for_a_change():
    assert ev.scaling_event(1, 3, 12) == ev.Event("Normal", "ScaledWorkers", "workers 1 -> 3 for a queue of 12 tasks")
    assert ev.scaling_event(3, 3, 12) is None and ev.scaling_event(None, 3, 0) is None
