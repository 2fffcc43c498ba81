"""The migration Job: created once per image, read until it finishes."""

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

import kopf

from novel_operator import constants as c
from novel_operator import kube
from novel_operator.manifests import build_migration_job
from novel_operator.spec import NovelToolSpec

Phase = Literal["Running", "Succeeded", "Failed"]


@dataclasses.dataclass(frozen=True)
class MigrationState:
    phase: Phase
    job_name: str
    revision: str | None = None
    message: str = ""


def job_phase(job: Mapping[str, Any]) -> tuple[Phase, str]:
    """Read a Job's outcome from its conditions (what `kubectl wait --for=condition=...` reads)."""
    for cond in (job.get("status") or {}).get("conditions") or ():
        if cond.get("status") != "True":
            continue
        if cond.get("type") == "Complete":
            return "Succeeded", ""
        if cond.get("type") == "Failed":
            reason = cond.get("reason") or "Failed"
            return "Failed", f"{reason}: {cond.get('message') or 'the migration Job failed'}"
    return "Running", ""


def revision_from_pods(pods: list[Mapping[str, Any]]) -> str | None:
    """The revision the command wrote to /dev/termination-log, from a successful pod."""
    for pod in pods:
        for status in (pod.get("status") or {}).get("containerStatuses") or ():
            if status.get("name") != c.MIGRATION_CONTAINER:
                continue
            terminated = (status.get("state") or {}).get("terminated") or {}
            if terminated.get("exitCode") == 0 and terminated.get("message"):
                return str(terminated["message"]).strip()
    return None


async def ensure_migration(
    client: kube.KubeClient, spec: NovelToolSpec, image: str, owner: Mapping[str, Any]
) -> MigrationState:
    manifest = build_migration_job(spec, image)
    name = manifest["metadata"]["name"]
    existing = await client.get(kube.object_path(manifest))
    if existing is None:
        # A Job's template is immutable: it is only ever created, never patched.
        kopf.adopt(manifest, owner=owner)
        try:
            await client.create(manifest)
        except kube.Conflict:
            pass  # created meanwhile by a concurrent reconcile: same name, same image
        return MigrationState("Running", name)
    phase, message = job_phase(existing)
    if phase != "Succeeded":
        return MigrationState(phase, name, message=message)
    pods = await client.list(kube.collection_path("v1", "Pod", spec.namespace), {"job-name": name})
    return MigrationState("Succeeded", name, revision=revision_from_pods(pods))
