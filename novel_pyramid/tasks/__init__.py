"""Background work: one Celery application, configured from our typed settings.

The module-level ``app`` carries the task declarations; ``configure_celery``
applies the settings of whichever process uses it: the web application (in
``includeme``) or the worker (``novel_pyramid.tasks.celery_app``). Tasks reach
the database and the normaliser through ``registry_of(app)``.

Delivery is at-least-once: a task is acknowledged only when it ends
(``acks_late``), a task whose worker process dies goes back to the queue
(``task_reject_on_worker_lost``), and a worker takes one task at a time per
slot (prefetch 1) so a long book never hides queued chunks from idle workers.
Every task must therefore be idempotent.
"""

import logging

import celery
import kombu.exceptions
from pyramid.threadlocal import get_current_registry

from novel_pyramid.errors import ServiceUnavailable
from novel_pyramid.logging.context import task_id_var
from novel_pyramid.redisconn import NEVER_OPEN, OUTAGES, CircuitOpen, RedisOptions, redis_connections

log = logging.getLogger(__name__)

# What kombu raises when the broker cannot be reached or refuses a message.
BROKER_ERRORS = (kombu.exceptions.OperationalError, kombu.exceptions.ConnectionError, OSError)
# A publish that fails is retried once at once: that replaces a pooled connection
# the broker closed. A broker that does not answer fails the publish (503).
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}


class LoggedTask(celery.Task):
    """A task whose log lines carry its id (``task_id_var``), in the worker and in eager mode."""

    def __call__(self, *args, **kwargs):
        token = task_id_var.set(self.request.id)
        try:
            return super().__call__(*args, **kwargs)
        finally:
            task_id_var.reset(token)


app = celery.Celery("novel_pyramid", set_as_current=False, task_cls=LoggedTask)


def celery_config(settings):
    """Celery's configuration from our typed settings."""
    visibility_timeout = settings["celery.visibility_timeout"]
    redis_options = RedisOptions.from_settings(settings)
    transport_options = {
        "visibility_timeout": visibility_timeout,
        # Workers look for tasks whose worker was lost every few seconds; a
        # short visibility timeout (tests) gets a matching short scan period.
        "unacked_restore_interval": max(1, min(10, visibility_timeout // 4)),
        "unacked_restore_throttle": 1,
        # A worker killed during its scan leaves the scan's lock behind; kombu's
        # default of 300 s would hold every other worker's scans back that long.
        "unacked_mutex_expire": max(1, min(300, visibility_timeout)),
        # A web request must learn quickly that the broker is down or hung (503):
        # the same short time-outs as every Redis client, and one connection
        # attempt per publish attempt instead of kombu's retries with pauses.
        "socket_connect_timeout": redis_options.connect_timeout,
        "socket_timeout": redis_options.read_timeout,
        "max_retries": 0,
        "interval_start": 0,
    }
    return {
        "broker_url": settings["celery.broker_url"] or "memory://",
        "result_backend": settings["celery.result_backend"],
        # Progress and results live in the database; Celery's result store is unused.
        "task_ignore_result": True,
        "task_always_eager": settings["celery.task_always_eager"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "worker_pool": settings["celery.worker_pool"],
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        # Our logging (JSON lines, task id) is set up by novel_pyramid.logging.
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,
        "broker_transport_options": transport_options,
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": redis_options.connect_timeout,
        "task_publish_retry_policy": PUBLISH_RETRY_POLICY,
        # Celery's Redis result store is unused (task_ignore_result), yet bounded like every client.
        "redis_socket_connect_timeout": redis_options.connect_timeout,
        "redis_socket_timeout": redis_options.read_timeout,
        "task_serializer": "json",
        "accept_content": ["json"],
        "timezone": "UTC",
    }


def configure_celery(celery_app, settings):
    """Apply ``settings``; a process (a test run) may reconfigure the app for another broker."""
    # Drop the pooled broker connections and producers made for the previous
    # broker: Celery caches them on the app and its ``amqp`` helper.
    celery_app.close()
    celery_app.__dict__.pop("amqp", None)
    celery_app.conf.update(celery_config(settings))


def registry_of(celery_app):
    """The Pyramid registry a task works with.

    In eager mode the task runs inside a web request, whose registry is the
    current one; a worker has the one its start-up attached to ``celery_app``.
    """
    registry = get_current_registry()
    if "db.session_factory" in registry:
        return registry
    return celery_app.pyramid_registry


def broker_breaker(registry):
    """The circuit breaker of the broker's server, shared with the process's other clients of it."""
    settings = registry.settings
    if settings.get("celery.task_always_eager") or not settings.get("celery.broker_url"):
        return NEVER_OPEN
    return redis_connections(registry).breaker(settings["celery.broker_url"])


def _broker_unavailable(breaker):
    return ServiceUnavailable(
        "The processing queue is unavailable; please try again in a moment.",
        headers={"Retry-After": breaker.retry_after_header()},
    )


def refuse_while_broker_is_down(registry):
    """Raise ``ServiceUnavailable`` now if the broker's breaker refuses calls, before anything is written."""
    breaker = broker_breaker(registry)
    if breaker.refusing():
        raise _broker_unavailable(breaker)


def enqueue(signatures):
    """Send tasks to the broker now (in eager mode: run them); ``ServiceUnavailable`` if it is down.

    A broker that failed just before is not asked at all while its breaker is
    open: the caller answers 503 at once instead of waiting for time-outs.
    """
    breaker = broker_breaker(registry_of(app))
    try:
        with breaker.guard(OUTAGES):
            for signature in signatures:
                signature.apply_async()
    except (CircuitOpen, *BROKER_ERRORS, *OUTAGES) as error:
        log.warning("Could not enqueue %d task(s): %s", len(signatures), error)
        raise _broker_unavailable(breaker) from error


class EnqueueOutcome:
    """What happened to tasks queued by ``enqueue_after_commit``: ``error`` is set if sending failed."""

    error = None

    def raise_for_error(self):
        if self.error is not None:
            raise self.error


def enqueue_after_commit(transaction_manager, signatures):
    """Send ``signatures`` once the current transaction of ``transaction_manager`` commits.

    A task must never see data that was not committed, nor run for data that
    was rolled back (warehouse's ``tasks.py``). After-commit hooks cannot
    raise, so the outcome is returned for the caller to check once committed.
    """
    outcome = EnqueueOutcome()
    signatures = list(signatures)

    def after_commit(committed):
        if not committed or not signatures:
            return
        try:
            enqueue(signatures)
        except ServiceUnavailable as error:
            outcome.error = error

    transaction_manager.get().addAfterCommitHook(after_commit)
    return outcome


def includeme(config):
    config.include("novel_pyramid.redisconn")
    configure_celery(app, config.get_settings())
    app.pyramid_registry = config.registry
    config.registry["celery.app"] = app
