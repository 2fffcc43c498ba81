"""Kopf handlers: they decide when to reconcile and turn outcomes into status and errors.

Handlers are registered by :func:`register` into a given registry, so tests run
the real handlers against a mock API with their own timings, and
:mod:`novel_operator.main` registers them into Kopf's default registry for
``kopf run``.
"""

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import kopf
import redis.exceptions

from novel_operator import children, crd_sync, kube, scaling
from novel_operator import constants as c
from novel_operator import events as ev
from novel_operator import metrics as m
from novel_operator import status as st
from novel_operator.config import OperatorConfig
from novel_operator.reconcile import Outcome, reconcile
from novel_operator.spec import InvalidSpec, NovelToolSpec, parse_spec

RESOURCE = (c.GROUP, c.VERSION, c.PLURAL)


@dataclasses.dataclass
class _Owner:
    """What the handlers of one NovelTool share: its lock, and the conditions last told as Events."""

    lock: asyncio.Lock = dataclasses.field(default_factory=asyncio.Lock)
    announced: list[dict[str, Any]] | None = None
    # A child's change asked for a reconciliation that has not read the NovelTool yet:
    # further changes need none of their own, that one will see them.
    pending: bool = False


def _owner(memo: kopf.Memo, uid: str) -> _Owner:
    # Per-object memos are shallow copies of the operator's memo, which holds
    # this dict from the start: the change handlers, the timer and the
    # children's watchers share it, so their reconciliations never interleave
    # and a transition is told once.
    return memo["owners"].setdefault(uid, _Owner())


def _uid(body: Mapping[str, Any]) -> str:
    meta = body.get("metadata") or {}
    return meta.get("uid") or meta.get("name")


def noveltool_path(namespace: str, name: str) -> str:
    return f"/apis/{c.GROUP}/{c.VERSION}/namespaces/{namespace}/{c.PLURAL}/{name}"


@contextlib.asynccontextmanager
async def _reconciling(memo: kopf.Memo, uid: str, trigger: str) -> AsyncIterator[m.Reconciliation]:
    """The NovelTool's lock, then one reconciliation, timed and counted by how it ended."""
    async with _owner(memo, uid).lock:
        with memo["metrics"].reconciliation(trigger) as run:
            yield run


async def _fetch(client: kube.KubeClient, namespace: str, name: str, uid: str) -> dict[str, Any] | None:
    """The NovelTool as the API server has it now; None once it is gone, replaced or being deleted.

    Read under the lock, so each reconciliation starts from the status the
    previous one wrote (a handler's ``body`` may be a moment older than that).
    """
    body = await client.get(noveltool_path(namespace, name))
    meta = (body or {}).get("metadata") or {}
    if body is None or meta.get("deletionTimestamp") or (meta.get("uid") and uid and meta["uid"] != uid):
        return None
    return body


async def _fetch_valid(
    client: kube.KubeClient, run: m.Reconciliation, namespace: str, name: str, uid: str
) -> tuple[dict[str, Any], NovelToolSpec] | None:
    """The fresh NovelTool and its spec; None, with the run's outcome said, when it is gone or its spec invalid.

    For the timer and the children's watches: an invalid spec was refused by the change handler already.
    """
    fresh = await _fetch(client, namespace, name, uid)
    if fresh is None:
        run.outcome = m.GONE
        return None
    try:
        return fresh, _parse(fresh)
    except InvalidSpec:
        run.outcome = m.REFUSED
        return None


async def _write_status(client: kube.KubeClient, body: Mapping[str, Any], changes: Mapping[str, Any]) -> None:
    """Patch the status at once, before the lock is released (Kopf would patch only after the handler)."""
    if changes:
        meta = body["metadata"]
        await client.merge_patch(f"{noveltool_path(meta['namespace'], meta['name'])}/status", {"status": changes})


def _post(memo: kopf.Memo, body: Mapping[str, Any], event: ev.Event) -> None:
    kopf.event(body, type=event.type, reason=event.reason, message=event.message)
    memo["metrics"].events.labels(event.type, event.reason).inc()


def announce(memo: kopf.Memo, body: Mapping[str, Any], conditions: list[dict[str, Any]] | None) -> None:
    """Post an Event for every condition that changed since the last one told."""
    if conditions is None:
        return
    meta = body["metadata"]
    memo["metrics"].show_conditions(meta["namespace"], meta["name"], conditions)
    owner = _owner(memo, _uid(body))
    before = owner.announced
    if before is None:
        before = list((body.get("status") or {}).get("conditions") or [])
    for event in ev.condition_events(before, conditions):
        _post(memo, body, event)
    owner.announced = [dict(cond) for cond in conditions]


async def _report(
    client: kube.KubeClient, memo: kopf.Memo, body: Mapping[str, Any], outcome: Outcome, **extra: Any
) -> None:
    """Write a reconciliation's status, tell its transitions, count the migration it started."""
    changes = {**extra, **outcome.status_patch}
    await _write_status(client, body, changes)
    announce(memo, body, _conditions_after(body, outcome.status_patch))
    if outcome.started_migration:
        memo["metrics"].migration_jobs.labels(outcome.started_migration).inc()


def _conditions_after(body: Mapping[str, Any], status_patch: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    if "conditions" in status_patch:
        return status_patch["conditions"]
    return list((body.get("status") or {}).get("conditions") or [])


def _refusal(body: Mapping[str, Any], reason: str, message: str) -> dict[str, Any]:
    """The status changes of a refusal (Degraded, not Ready)."""
    current = body.get("status") or {}
    generation = (body.get("metadata") or {}).get("generation")
    conditions = st.refusal(current.get("conditions") or [], reason, message, generation=generation)
    wanted: dict[str, Any] = {"conditions": conditions}
    if generation is not None:
        wanted["observedGeneration"] = generation
    return st.status_changes(current, wanted)


async def _refuse(
    client: kube.KubeClient, memo: kopf.Memo, body: Mapping[str, Any], reason: str, message: str, **extra: Any
) -> kopf.PermanentError:
    """Report a refusal in the status and as an Event; the error for Kopf."""
    changes = {**extra, **_refusal(body, reason, message)}
    await _write_status(client, body, changes)
    announce(memo, body, _conditions_after(body, changes))
    return kopf.PermanentError(f"{reason}: {message}")


def _parse(body: Mapping[str, Any]) -> NovelToolSpec:
    meta = body["metadata"]
    return parse_spec(meta["name"], meta["namespace"], body.get("spec") or {})


def _rejected(exc: kube.KubeError) -> str:
    return f"the API server refused a child: {exc.message}"


def _classify(outcome: Outcome) -> str:
    if outcome.failure:
        return m.FAILED
    return m.WAITING if outcome.waiting_for else m.OK


def register(registry: kopf.OperatorRegistry, config: OperatorConfig) -> None:
    """Register every handler of the operator into ``registry``."""

    @kopf.on.startup(registry=registry)
    async def configure(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
        # Kopf's bookkeeping goes to annotations under our group, so `status`
        # holds only what the CRD schema describes.
        settings.persistence.finalizer = c.FINALIZER
        settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=c.GROUP)
        settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
            prefix=c.GROUP, key="last-handled-configuration"
        )
        # No watching of CRDs and namespaces: the RBAC stays namespaced and small.
        settings.scanning.disabled = True
        # Watches are re-established periodically so a silently dropped
        # connection cannot leave the operator deaf for long.
        settings.watching.server_timeout = 300
        settings.watching.client_timeout = 330
        settings.networking.request_timeout = 60
        # Events are posted explicitly (kopf.event), one per state change or
        # refusal; the handlers' log lines are not copied into Events (Kopf 1.45's
        # default, set here so that another version cannot change it).
        settings.posting.enabled = True
        settings.posting.loggers = False
        settings.posting.level = logging.INFO
        # A deletion that arrives during a timer run waits for that run to end;
        # Kopf's default re-check after 60 s would hold the finalizer that long.
        settings.background.instant_exit_timeout = 2.0
        settings.background.cancellation_polling = config.exit_polling
        metrics: m.OperatorMetrics = memo.setdefault("metrics", m.OperatorMetrics())
        if "kube" not in memo:
            memo["kube"] = kube.KubeClient(kube.KubeConfig.from_environment(), observe=metrics.observe_api)
        if config.metrics_port and "metrics_server" not in memo:
            memo["metrics_server"] = await m.serve(metrics, config.metrics_port)
        # Made here, in the operator's memo, before any object's memo is copied
        # from it: the NovelTools' and the children's handlers share these dicts.
        memo.setdefault("owners", {})
        memo.setdefault("children", {})
        try:
            metrics.crd_generation.set(await crd_sync.ensure_crd(memo["kube"], manage=config.manage_crd))
        except crd_sync.CRDOutdated as exc:
            # A startup handler's permanent failure stops the operator: better than pruning fields.
            raise kopf.PermanentError(str(exc)) from exc

    @kopf.on.login(registry=registry)
    def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
        config = kube.KubeConfig.from_environment()
        if config.token_path is None:
            return kopf.ConnectionInfo(server=config.server)
        return kopf.login_with_service_account(**kwargs)

    @kopf.on.cleanup(registry=registry)
    async def close(memo: kopf.Memo, **_: Any) -> None:
        if "kube" in memo:
            await memo["kube"].close()
        if "metrics_server" in memo:
            await memo.pop("metrics_server").cleanup()

    @kopf.on.probe(id="operator", registry=registry)
    def probe(**_: Any) -> str:
        return "ok"

    # Optional: the timer's finalizer already holds the deletion until Kopf has seen it.
    @kopf.on.delete(*RESOURCE, optional=True, registry=registry)
    async def forget(body: kopf.Body, memo: kopf.Memo, **_: Any) -> None:
        meta = body["metadata"]
        memo["owners"].pop(_uid(body), None)
        memo["metrics"].forget(meta["namespace"], meta["name"])

    @kopf.on.resume(*RESOURCE, registry=registry)
    @kopf.on.create(*RESOURCE, registry=registry)
    @kopf.on.update(*RESOURCE, field="spec", registry=registry)
    async def reconcile_on_change(body: kopf.Body, memo: kopf.Memo, retry: int, logger: kopf.Logger, **_: Any) -> None:
        client: kube.KubeClient = memo["kube"]
        meta = body["metadata"]
        try:
            async with _reconciling(memo, _uid(body), "change") as run:
                fresh = await _fetch(client, meta["namespace"], meta["name"], _uid(body))
                if fresh is None:
                    run.outcome = m.GONE
                    return
                try:
                    spec = _parse(fresh)
                except InvalidSpec as exc:
                    run.outcome = m.REFUSED
                    raise await _refuse(client, memo, fresh, "InvalidSpec", str(exc)) from exc
                try:
                    outcome = await reconcile(client, fresh, spec)
                except kube.KubeError as exc:
                    if exc.retriable:
                        raise
                    run.outcome = m.REFUSED
                    raise await _refuse(client, memo, fresh, "Rejected", _rejected(exc)) from exc
                await _report(client, memo, fresh, outcome)
                run.outcome = _classify(outcome)
        except kube.KubeError as exc:
            raise kopf.TemporaryError(str(exc), delay=config.backoff(retry)) from exc
        if outcome.failure:
            raise kopf.PermanentError(outcome.failure)
        if outcome.waiting_for:
            # The Job's watcher reconciles as soon as it ends; this is the fallback.
            raise kopf.TemporaryError(f"waiting for the {outcome.waiting_for}", delay=config.migration_poll)
        logger.info("Reconciled: %s", spec.image)

    @kopf.timer(*RESOURCE, interval=config.timer_interval, initial_delay=config.timer_interval, registry=registry)
    async def reconcile_periodically(body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
        """Scale the workers on the queue, and correct whatever drifted since the last change."""
        client: kube.KubeClient = memo["kube"]
        meta = body["metadata"]
        try:
            spec = _parse(body)
        except InvalidSpec:
            return  # reported in the status; nothing to do until the spec is edited
        queue_length = None
        if spec.autoscaling.enabled:
            try:
                queue_length = await scaling.observe_queue(client, spec)
            except (LookupError, redis.exceptions.RedisError, OSError, kube.KubeError) as exc:
                # Without a reading the workers stay as they are; scaling on a
                # guess could stop workers in the middle of a backlog.
                logger.warning("Cannot read the length of queue %r: %s", spec.queue, exc)
        try:
            async with _reconciling(memo, _uid(body), "timer") as run:
                found = await _fetch_valid(client, run, meta["namespace"], meta["name"], _uid(body))
                if found is None:
                    return
                fresh, spec = found
                status = fresh.get("status") or {}
                replicas = None
                # Recommendations of an autoscaler that is off are forgotten (None deletes the field).
                recommendations = None
                if spec.autoscaling.enabled:
                    recommendations = status.get(scaling.STATUS_FIELD)
                    if queue_length is not None:
                        replicas, recommendations = scaling.decide(
                            queue_length, spec.autoscaling, status, now=time.time()
                        )
                # Kept even if the reconciliation fails: a burst seen must still hold the next scale-down.
                kept = st.status_changes(status, {scaling.STATUS_FIELD: recommendations})
                try:
                    outcome = await reconcile(client, fresh, spec, worker_replicas=replicas, queue_length=queue_length)
                except kube.KubeError as exc:
                    if exc.retriable:
                        run.outcome = m.ERROR
                        await _write_status(client, fresh, kept)
                    else:
                        run.outcome = m.REFUSED
                        await _refuse(client, memo, fresh, "Rejected", _rejected(exc), **kept)
                    logger.warning("Periodic reconciliation failed, will retry: %s", exc)
                    return
                await _report(client, memo, fresh, outcome, **kept)
                run.outcome = _classify(outcome)
        except kube.KubeError as exc:
            logger.warning("Periodic reconciliation failed, will retry: %s", exc)
            return
        chosen = outcome.status_patch.get("workerReplicas")
        running = chosen if chosen is not None else status.get("workerReplicas")
        memo["metrics"].show_scaling(meta["namespace"], meta["name"], queue_length, running)
        scaled = ev.scaling_event(status.get("workerReplicas"), chosen, queue_length)
        if scaled is not None:
            _post(memo, fresh, scaled)

    @kopf.on.event("apps", "v1", "deployments", labels=children.CHILD_LABELS, registry=registry)
    @kopf.on.event("batch", "v1", "jobs", labels=children.CHILD_LABELS, registry=registry)
    async def child_changed(
        event: kopf.RawEvent, body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any
    ) -> None:
        """A Deployment or Job of a NovelTool changed: reconcile that NovelTool now, not at the next timer run.

        Ready follows a rollout within seconds, the Deployments move to a new
        image as soon as its migration Job succeeds, and a child deleted or
        edited by hand is put back at once.
        """
        ref = children.controller_of(body)
        if ref is None:
            return
        child_uid = _uid(body)
        seen: dict[str, Any] = memo["children"]
        if event.get("type") == "DELETED":
            seen.pop(child_uid, None)
        else:
            signature = children.readiness(body)
            if seen.get(child_uid) == signature:
                return
            seen[child_uid] = signature
        owner = _owner(memo, ref.uid)
        if owner.pending:
            return
        owner.pending = True
        try:
            await owner.lock.acquire()
        finally:
            owner.pending = False
        client: kube.KubeClient = memo["kube"]
        try:
            with memo["metrics"].reconciliation("child") as run:
                found = await _fetch_valid(client, run, ref.namespace, ref.name, ref.uid)
                if found is None:
                    return
                fresh, spec = found
                try:
                    outcome = await reconcile(client, fresh, spec)
                except kube.KubeError as exc:
                    if not exc.retriable:
                        run.outcome = m.REFUSED
                        await _refuse(client, memo, fresh, "Rejected", _rejected(exc))
                    raise
                await _report(client, memo, fresh, outcome)
                run.outcome = _classify(outcome)
        except kube.KubeError as exc:
            # The timer comes back to it.
            logger.warning("Reconciling %s after a change of its %s failed: %s", ref.name, body.get("kind"), exc)
        finally:
            owner.lock.release()
