"""One reconciliation of a NovelTool: decide, apply the children, compute the status.

The order is the point of this module: the ConfigMap first, then the
migration Job for a new image, and the Deployments move to that image only
once its migration has succeeded. Until then they keep running the image in
``status.currentImage``, and a failed migration leaves them exactly as they were.
"""

import dataclasses
from collections.abc import Mapping
from typing import Any

from novel_operator import apply, kube, manifests, scaling
from novel_operator import status as st
from novel_operator.migration import (
    MigrationState,
    Plan,
    ensure_migration,
    job_name_for,
    pass_record,
    plan_migration,
    remember,
)
from novel_operator.spec import NovelToolSpec


@dataclasses.dataclass(frozen=True)
class Outcome:
    status_patch: dict[str, Any]
    # Set while waiting for something that will finish by itself (a running Job).
    waiting_for: str | None = None
    # Set when nothing will change until someone edits the spec (a failed migration, a refused rollback).
    failure: str | None = None
    failure_reason: str | None = None
    # The migration Job this reconciliation started: "upgrade" or "downgrade".
    started_migration: str | None = None


def deployment_rolled_out(deployment: Mapping[str, Any] | None) -> bool:
    """The same test as `kubectl rollout status`: observed, updated and available."""
    if deployment is None:
        return False
    wanted = (deployment.get("spec") or {}).get("replicas", 1)
    status = deployment.get("status") or {}
    generation = (deployment.get("metadata") or {}).get("generation")
    if generation is not None and status.get("observedGeneration", 0) < generation:
        return False
    if wanted == 0:
        return True
    return status.get("updatedReplicas", 0) >= wanted and status.get("availableReplicas", 0) >= wanted


async def _migrate(
    client: kube.KubeClient,
    spec: NovelToolSpec,
    plan: Plan,
    owner: Mapping[str, Any],
    current: Mapping[str, Any],
    job_name: str | None,
) -> tuple[MigrationState | None, str | None]:
    """Return the migration state (None when no Job is involved) and the image the Deployments may run."""
    if plan.action in ("none", "newerSchema"):
        return None, spec.image
    if plan.action == "refuse":
        return None, current.get("currentImage")
    assert job_name is not None
    state = await ensure_migration(client, spec, plan, job_name, owner)
    if state.phase == "Succeeded":
        return state, spec.image
    return state, current.get("currentImage")


async def reconcile(
    client: kube.KubeClient,
    body: Mapping[str, Any],
    spec: NovelToolSpec,
    *,
    worker_replicas: int | None = None,
    queue_length: int | None = None,
) -> Outcome:
    """Bring the children in line with the spec; ``worker_replicas`` comes from the autoscaler."""
    owner = body
    current: Mapping[str, Any] = body.get("status") or {}
    generation = (body.get("metadata") or {}).get("generation")
    conditions = list(current.get("conditions") or [])
    wanted: dict[str, Any] = {}

    await apply.ensure(client, manifests.build_configmap(spec), owner)

    plan = plan_migration(spec, current)
    job_name = None
    if plan.action in ("upgrade", "downgrade"):
        job_name = job_name_for(spec, plan, current, generation)
        wanted["migrationJob"] = {**pass_record(plan), "name": job_name}
    state, image = await _migrate(client, spec, plan, owner, current, job_name)
    if state is not None and state.phase == "Succeeded":
        wanted["migrationJob"] = None  # the pass is over
        wanted["migratedImage"] = spec.image
        if state.revision:
            wanted["migratedRevision"] = state.revision
        wanted["migrationHistory"] = remember(
            current, spec.image, state.revision, downgraded=plan.action == "downgrade"
        )

    web = worker = realtime = None
    if image is not None:
        web = await apply.ensure(client, manifests.build_web_deployment(spec, image), owner)
        await apply.ensure(client, manifests.build_web_service(spec), owner)
        if spec.realtime_enabled:
            realtime = await apply.ensure(client, manifests.build_realtime_deployment(spec, image), owner)
            await apply.ensure(client, manifests.build_realtime_service(spec), owner)
        replicas: int | None
        if spec.external_autoscaler:
            replicas = None  # not applied: the field stays KEDA's or the HPA's
        elif not spec.autoscaling.enabled:
            replicas = spec.worker_replicas
        elif worker_replicas is not None:
            replicas = worker_replicas
        else:
            # A spec change must not undo the autoscaler's last decision.
            existing_worker = await client.get(kube.object_path(manifests.build_worker_deployment(spec, image, 0)))
            current_replicas = ((existing_worker or {}).get("spec") or {}).get("replicas")
            replicas = scaling.clamp_workers(current_replicas, spec.autoscaling)
        worker = await apply.ensure(client, manifests.build_worker_deployment(spec, image, replicas), owner)
        wanted["currentImage"] = image
        wanted["workerReplicas"] = replicas if replicas is not None else (worker.get("spec") or {}).get("replicas")
        wanted["webReplicas"] = (web.get("status") or {}).get("replicas", 0)
        wanted["webSelector"] = manifests.web_selector(spec)
    if not spec.realtime_enabled:
        # Switched off: what was made while it was on goes.
        await apply.remove(client, manifests.build_realtime_deployment(spec, spec.image), owner)
        await apply.remove(client, manifests.build_realtime_service(spec), owner)
    if queue_length is not None:
        wanted["queueLength"] = queue_length
    if generation is not None:
        wanted["observedGeneration"] = generation

    def set_(kind: str, value: bool, reason: str, message: str = "") -> None:
        nonlocal conditions
        conditions = st.set_condition(conditions, kind, value, reason, message, generation=generation)

    waiting_for = failure = failure_reason = None
    if plan.action == "refuse":
        failure, failure_reason = plan.message, "RollbackRefused"
        set_(st.MIGRATED, False, failure_reason, failure)
    elif plan.action == "newerSchema":
        set_(st.MIGRATED, True, "NewerSchemaAllowed", plan.message)
    elif state is None:
        previous = st.condition(conditions, st.MIGRATED) or {}
        if not spec.migration_enabled:
            set_(st.MIGRATED, True, "MigrationDisabled", "migrations are disabled in the spec")
        elif previous.get("status") == "True":
            # Keep the words of the reconciliation that saw the Job succeed.
            set_(st.MIGRATED, True, previous.get("reason", "UpToDate"), previous.get("message", ""))
        else:
            set_(st.MIGRATED, True, "UpToDate", f"revision {current.get('migratedRevision', 'unknown')}")
    elif state.phase == "Succeeded":
        done = "downgraded to" if plan.action == "downgrade" else "revision"
        set_(st.MIGRATED, True, "MigrationSucceeded", f"{done} {state.revision or 'unknown'} by Job {state.job_name}")
    elif state.phase == "Running":
        set_(st.MIGRATED, False, "Migrating", f"Job {state.job_name} is running")
        waiting_for = f"migration Job {state.job_name}"
    else:
        failure = f"migration Job {state.job_name} failed ({state.message}); still running {image or 'nothing'}"
        failure_reason = "MigrationFailed"
        set_(st.MIGRATED, False, failure_reason, failure)

    deployments = {manifests.web_name(spec): web, manifests.worker_name(spec): worker}
    if spec.realtime_enabled:
        deployments[manifests.realtime_name(spec)] = realtime
    pending = [name for name, deployment in deployments.items() if not deployment_rolled_out(deployment)]
    rolled_out = image == spec.image and not pending
    if failure:
        set_(st.DEGRADED, True, failure_reason, failure)
        set_(st.PROGRESSING, False, failure_reason, failure)
    else:
        set_(st.DEGRADED, False, "AsExpected")
        if waiting_for:
            set_(st.PROGRESSING, True, "Migrating", f"waiting for the {waiting_for}")
        elif not rolled_out:
            waiting = f": {', '.join(pending)}" if pending else ""
            set_(st.PROGRESSING, True, "RollingOut", f"waiting for the Deployments to become available{waiting}")
        else:
            set_(st.PROGRESSING, False, "Complete", f"running {spec.image}")
    if rolled_out and not failure:
        set_(st.READY, True, "Available", f"running {spec.image}")
    else:
        set_(
            st.READY,
            False,
            failure_reason or "NotAvailable",
            failure or "the new version is not available yet",
        )
    wanted["conditions"] = conditions
    return Outcome(
        status_patch=st.status_changes(current, wanted),
        waiting_for=waiting_for,
        failure=failure,
        failure_reason=failure_reason,
        started_migration=plan.action if state is not None and state.started else None,
    )
