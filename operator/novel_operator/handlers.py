"""Kopf handlers: they decide when to reconcile and turn outcomes into status and errors.

Handlers are registered by :func:`register` into a given registry, so tests run
the real handlers against a mock API with their own timings, and
:mod:`novel_operator.main` registers them into Kopf's default registry for
``kopf run``.
"""

import asyncio
import dataclasses
import logging
import time
from collections.abc import Mapping
from typing import Any

import kopf
import redis.exceptions

from novel_operator import constants as c
from novel_operator import crd_sync, kube, scaling
from novel_operator import events as ev
from novel_operator import status as st
from novel_operator.config import OperatorConfig
from novel_operator.reconcile import reconcile
from novel_operator.spec import InvalidSpec, NovelToolSpec, parse_spec

RESOURCE = (c.GROUP, c.VERSION, c.PLURAL)


@dataclasses.dataclass
class _Owner:
    """What the handlers of one NovelTool share: its lock, and the conditions last told as Events."""

    lock: asyncio.Lock = dataclasses.field(default_factory=asyncio.Lock)
    announced: list[dict[str, Any]] | None = None


def _owner(memo: kopf.Memo, body: Mapping[str, Any]) -> _Owner:
    # Per-object memos are shallow copies of the operator's memo, so this dict
    # is shared by the change handlers, the timer and the children's watchers:
    # their reconciliations never interleave, and a transition is told once.
    owners = memo.setdefault("owners", {})
    uid = (body.get("metadata") or {}).get("uid") or (body.get("metadata") or {}).get("name")
    return owners.setdefault(uid, _Owner())


def announce(memo: kopf.Memo, body: Mapping[str, Any], conditions: list[dict[str, Any]] | None) -> None:
    """Post an Event for every condition that changed since the last one told."""
    if conditions is None:
        return
    owner = _owner(memo, body)
    before = owner.announced
    if before is None:
        before = list((body.get("status") or {}).get("conditions") or [])
    for event in ev.condition_events(before, conditions):
        kopf.event(body, type=event.type, reason=event.reason, message=event.message)
    owner.announced = [dict(cond) for cond in conditions]


def _conditions_after(body: Mapping[str, Any], status_patch: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    if "conditions" in status_patch:
        return status_patch["conditions"]
    return list((body.get("status") or {}).get("conditions") or [])


def _refuse(
    body: Mapping[str, Any], patch: kopf.Patch, memo: kopf.Memo, reason: str, message: str
) -> kopf.PermanentError:
    """Report a refusal in the status (Degraded, not Ready) and as an Event; the error for Kopf."""
    current = body.get("status") or {}
    generation = (body.get("metadata") or {}).get("generation")
    conditions = st.refusal(current.get("conditions") or [], reason, message, generation=generation)
    wanted: dict[str, Any] = {"conditions": conditions}
    if generation is not None:
        wanted["observedGeneration"] = generation
    patch.status.update(st.status_changes(current, wanted))
    announce(memo, body, conditions)
    return kopf.PermanentError(f"{reason}: {message}")


def _parse(body: Mapping[str, Any], patch: kopf.Patch, memo: kopf.Memo) -> NovelToolSpec:
    meta = body["metadata"]
    try:
        return parse_spec(meta["name"], meta["namespace"], body.get("spec") or {})
    except InvalidSpec as exc:
        raise _refuse(body, patch, memo, "InvalidSpec", str(exc)) from exc


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
        if "kube" not in memo:
            memo["kube"] = kube.KubeClient(kube.KubeConfig.from_environment())
        try:
            await crd_sync.ensure_crd(memo["kube"], manage=config.manage_crd)
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

    @kopf.on.probe(id="operator", registry=registry)
    def probe(**_: Any) -> str:
        return "ok"

    @kopf.on.resume(*RESOURCE, registry=registry)
    @kopf.on.create(*RESOURCE, registry=registry)
    @kopf.on.update(*RESOURCE, field="spec", registry=registry)
    async def reconcile_on_change(
        body: kopf.Body, memo: kopf.Memo, patch: kopf.Patch, retry: int, logger: kopf.Logger, **_: Any
    ) -> None:
        spec = _parse(body, patch, memo)
        try:
            async with _owner(memo, body).lock:
                outcome = await reconcile(memo["kube"], body, spec)
        except kube.KubeError as exc:
            if exc.retriable:
                raise kopf.TemporaryError(str(exc), delay=config.backoff(retry)) from exc
            raise _refuse(body, patch, memo, "Rejected", f"the API server refused a child: {exc.message}") from exc
        patch.status.update(outcome.status_patch)
        announce(memo, body, _conditions_after(body, outcome.status_patch))
        if outcome.failure:
            raise kopf.PermanentError(outcome.failure)
        if outcome.waiting_for:
            raise kopf.TemporaryError(f"waiting for the {outcome.waiting_for}", delay=config.migration_poll)
        logger.info("Reconciled: %s", spec.image)

    @kopf.timer(*RESOURCE, interval=config.timer_interval, initial_delay=config.timer_interval, registry=registry)
    async def reconcile_periodically(
        body: kopf.Body, memo: kopf.Memo, patch: kopf.Patch, logger: kopf.Logger, **_: Any
    ) -> None:
        """Scale the workers on the queue, and correct whatever drifted since the last change."""
        try:
            spec = _parse(body, patch, memo)
        except kopf.PermanentError:
            return  # reported in the status; nothing to do until the spec is edited
        status = body.get("status") or {}
        replicas = queue_length = None
        # Recommendations of an autoscaler that is off are forgotten (None deletes the field).
        recommendations = None
        if spec.autoscaling.enabled:
            recommendations = status.get(scaling.STATUS_FIELD)
            try:
                queue_length = await scaling.observe_queue(memo["kube"], spec)
            except (LookupError, redis.exceptions.RedisError, OSError, kube.KubeError) as exc:
                # Without a reading the workers stay as they are; scaling on a
                # guess could stop workers in the middle of a backlog.
                logger.warning("Cannot read the length of queue %r: %s", spec.queue, exc)
            else:
                replicas, recommendations = scaling.decide(queue_length, spec.autoscaling, status, now=time.time())
        # Kept even if the reconciliation fails: a burst seen must still hold the next scale-down.
        patch.status.update(st.status_changes(status, {scaling.STATUS_FIELD: recommendations}))
        try:
            async with _owner(memo, body).lock:
                outcome = await reconcile(memo["kube"], body, spec, worker_replicas=replicas, queue_length=queue_length)
        except kube.KubeError as exc:
            if not exc.retriable:
                _refuse(body, patch, memo, "Rejected", f"the API server refused a child: {exc.message}")
            logger.warning("Periodic reconciliation failed, will retry: %s", exc)
            return
        patch.status.update(outcome.status_patch)
        announce(memo, body, _conditions_after(body, outcome.status_patch))
        chosen = outcome.status_patch.get("workerReplicas")
        scaled = ev.scaling_event(status.get("workerReplicas"), chosen, queue_length)
        if scaled is not None:
            kopf.event(body, type=scaled.type, reason=scaled.reason, message=scaled.message)
