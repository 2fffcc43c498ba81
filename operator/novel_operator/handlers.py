"""Kopf handlers: they decide when to reconcile and turn outcomes into status and errors.

Handlers are registered by :func:`register` into a given registry, so tests run
the real handlers against a mock API with their own timings, and
:mod:`novel_operator.main` registers them into Kopf's default registry for
``kopf run``.
"""

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

import kopf
import redis.exceptions

from novel_operator import constants as c
from novel_operator import kube, scaling
from novel_operator import status as st
from novel_operator.config import OperatorConfig
from novel_operator.reconcile import reconcile
from novel_operator.spec import InvalidSpec, NovelToolSpec, parse_spec

RESOURCE = (c.GROUP, c.VERSION, c.PLURAL)


def _lock(memo: kopf.Memo) -> asyncio.Lock:
    # The per-object memo is shared by the change handlers and the timer of one
    # NovelTool: the lock keeps their reconciliations from interleaving.
    if "lock" not in memo:
        memo["lock"] = asyncio.Lock()
    return memo["lock"]


def _invalid_spec(exc: InvalidSpec, body: Mapping[str, Any], patch: kopf.Patch) -> kopf.PermanentError:
    current = body.get("status") or {}
    generation = (body.get("metadata") or {}).get("generation")
    conditions = st.set_condition(
        current.get("conditions") or [], st.DEGRADED, True, "InvalidSpec", str(exc), generation=generation
    )
    conditions = st.set_condition(conditions, st.READY, False, "InvalidSpec", str(exc), generation=generation)
    patch.status.update(st.status_changes(current, {"conditions": conditions}))
    return kopf.PermanentError(f"invalid spec: {exc}")


def _parse(body: Mapping[str, Any], patch: kopf.Patch) -> NovelToolSpec:
    meta = body["metadata"]
    try:
        return parse_spec(meta["name"], meta["namespace"], body.get("spec") or {})
    except InvalidSpec as exc:
        raise _invalid_spec(exc, body, patch) from exc


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
        settings.posting.level = logging.WARNING
        # A deletion that arrives during a timer run waits for that run to end;
        # Kopf's default re-check after 60 s would hold the finalizer that long.
        settings.background.instant_exit_timeout = 2.0
        settings.background.cancellation_polling = config.exit_polling
        if "kube" not in memo:
            memo["kube"] = kube.KubeClient(kube.KubeConfig.from_environment())

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
        spec = _parse(body, patch)
        try:
            async with _lock(memo):
                outcome = await reconcile(memo["kube"], body, spec)
        except kube.KubeError as exc:
            if exc.retriable:
                raise kopf.TemporaryError(str(exc), delay=config.backoff(retry)) from exc
            raise kopf.PermanentError(f"the API server rejected a child: {exc}") from exc
        patch.status.update(outcome.status_patch)
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
            spec = _parse(body, patch)
        except kopf.PermanentError:
            return  # reported by the change handler already; nothing to do until the spec is edited
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
            async with _lock(memo):
                outcome = await reconcile(memo["kube"], body, spec, worker_replicas=replicas, queue_length=queue_length)
        except kube.KubeError as exc:
            logger.warning("Periodic reconciliation failed, will retry: %s", exc)
            return
        patch.status.update(outcome.status_patch)
