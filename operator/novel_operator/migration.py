"""The migration Job: planned from the status, created once per image and starting revision, read until it ends.

A database only moves forward under ``db upgrade``, and an image that is older
than the database's revision cannot run it (Alembic does not know the newer
revision). The status keeps which revision each recent image left the
database at (``migrationHistory``), so going back to such an image is
recognised before any Job runs, and ``spec.migration.onDowngrade`` says what
to do about it.
"""

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

from novel_operator import apply, kube
from novel_operator import constants as c
from novel_operator.manifests import build_migration_job, migration_job_name
from novel_operator.spec import NovelToolSpec

Phase = Literal["Running", "Succeeded", "Failed"]


Action = Literal["none", "upgrade", "downgrade", "refuse", "newerSchema"]


@dataclasses.dataclass(frozen=True)
class Plan:
    action: Action
    # The image that runs the Job (for a downgrade, the newer one), and where the database starts.
    image: str | None = None
    from_revision: str = ""
    downgrade_to: str | None = None
    message: str = ""


def history(status: Mapping[str, Any]) -> list[dict[str, str]]:
    entries = status.get("migrationHistory") or ()
    return [dict(e) for e in entries if isinstance(e, Mapping) and e.get("image") and e.get("revision")]


def remember(
    status: Mapping[str, Any], image: str, revision: str | None, *, downgraded: bool = False
) -> list[dict[str, str]]:
    """The history with ``image`` now at ``revision``: the most recent last, the oldest dropped.

    After a downgrade the images migrated since ``image`` are forgotten: they
    are newer than the database now, and going to one again is an upgrade.
    """
    entries = history(status)
    if downgraded:
        images = [e["image"] for e in entries]
        if image in images:
            entries = entries[: images.index(image)]
    entries = [e for e in entries if e["image"] != image]
    if revision:
        entries.append({"image": image, "revision": revision})
    return entries[-c.MAX_MIGRATION_HISTORY :]


def plan_migration(spec: NovelToolSpec, status: Mapping[str, Any]) -> Plan:
    """What the database needs before the Deployments may run ``spec.image``."""
    if not spec.migration_enabled or status.get("migratedImage") == spec.image:
        return Plan("none")
    database = status.get("migratedRevision") or ""
    left = {e["image"]: e["revision"] for e in history(status)}.get(spec.image)
    if not database or left is None or left == database:
        # A new image (or one whose schema is the database's): `db upgrade`. An
        # unknown image older than the database fails its Job, which keeps the
        # current version serving (MigrationFailed).
        return Plan("upgrade", image=spec.image, from_revision=database)
    newer = status.get("migratedImage")
    if spec.on_downgrade == "allowNewerSchema":
        return Plan(
            "newerSchema",
            message=f"{spec.image} left the database at {left}; it runs on {database}, left by {newer} "
            "(spec.migration.onDowngrade: allowNewerSchema)",
        )
    if spec.on_downgrade == "downgrade" and newer:
        return Plan("downgrade", image=newer, from_revision=database, downgrade_to=left)
    return Plan(
        "refuse",
        message=f"{spec.image} left the database at revision {left}, and {newer} has since migrated it to "
        f"{database}; still running {status.get('currentImage') or 'nothing'}. Set spec.migration.onDowngrade "
        "to downgrade (by the newer image) or allowNewerSchema, or roll forward",
    )


@dataclasses.dataclass(frozen=True)
class MigrationState:
    phase: Phase
    job_name: str
    revision: str | None = None
    message: str = ""
    # This reconciliation created the Job (the pass started now).
    started: bool = False


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


def pass_record(plan: Plan) -> dict[str, str]:
    """What identifies a migration pass in ``status.migrationJob``."""
    return {"image": plan.image or "", "fromRevision": plan.from_revision, "downgradeTo": plan.downgrade_to or ""}


def job_name_for(spec: NovelToolSpec, plan: Plan, status: Mapping[str, Any], generation: int | None) -> str:
    """The Job of the pass under way if it is this plan's, else a new one for this generation."""
    record = status.get("migrationJob") or {}
    if record.get("name") and {key: record.get(key, "") for key in pass_record(plan)} == pass_record(plan):
        return record["name"]
    assert plan.image is not None
    return migration_job_name(spec, plan.image, plan.from_revision, plan.downgrade_to, generation or 0)


async def ensure_migration(
    client: kube.KubeClient, spec: NovelToolSpec, plan: Plan, name: str, owner: Mapping[str, Any]
) -> MigrationState:
    assert plan.image is not None
    manifest = build_migration_job(spec, plan.image, plan.from_revision, plan.downgrade_to, name=name)
    name = manifest["metadata"]["name"]
    existing = await client.get(kube.object_path(manifest))
    if existing is None:
        # A Job's template is immutable: it is applied once, to create it, and
        # never again (a spec edited while it runs would be refused with 422).
        await apply.ensure(client, manifest, owner)
        return MigrationState("Running", name, started=True)
    phase, message = job_phase(existing)
    if phase != "Succeeded":
        return MigrationState(phase, name, message=message)
    pods = await client.list(kube.collection_path("v1", "Pod", spec.namespace), {"job-name": name})
    return MigrationState("Succeeded", name, revision=revision_from_pods(pods))
