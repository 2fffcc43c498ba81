"""Background work: one Celery application, configured from our typed settings.

The module-level ``app`` carries the task declarations; ``configure_celery``
applies the settings of whichever process uses it: the web application (in
``includeme``) or the worker (``novel_pyramid.tasks.celery_app``). A task finds
services as a view does, through a request built for it (``task_request``);
services send tasks through the ``ITaskSender`` they are handed, by task name.

Delivery is at-least-once: a task is acknowledged only when it ends
(``acks_late``), a task whose worker process dies goes back to the queue
(``task_reject_on_worker_lost``), and a worker takes one task at a time per
slot (prefetch 1) so a long book never hides queued chunks from idle workers.
Every task must therefore be idempotent.
"""

import contextlib
import logging

import celery
import kombu.exceptions
from pyramid.request import Request, apply_request_extensions
from pyramid.threadlocal import get_current_registry
from zope.interface import implementer

from novel_pyramid.db import own_transaction
from novel_pyramid.errors import ServiceUnavailable
from novel_pyramid.logging.context import task_id_var
from novel_pyramid.metrics.interfaces import IQueueDepth
from novel_pyramid.redisconn import NEVER_OPEN, OUTAGES, CircuitOpen, RedisOptions, redis_connections
from novel_pyramid.tasks.depth import RedisQueueDepth
from novel_pyramid.tasks.interfaces import ISendOutcome, ITaskSender

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


def blank_request(registry):
    """A request of ``registry`` outside any web request or transaction, to find process-wide services."""
    request = Request.blank("/")
    request.registry = registry
    apply_request_extensions(request)
    return request


@contextlib.contextmanager
def task_request(task):
    """A Pyramid request for one run of ``task``, as warehouse's tasks have: services and a transaction.

    ``request.find_service(...)`` finds what a view would; ``request.dbsession``
    is bound to ``request.tm``, a transaction of the task's own
    (``db.own_transaction``) that commits when the block ends and rolls back
    on an exception.
    """
    registry = registry_of(task.app)
    request = blank_request(registry)
    with own_transaction(registry["db.session_factory"]) as (manager, dbsession):
        request.tm = manager
        request.dbsession = dbsession
        yield request


class WorkerReady:
    """Event sent through the worker's registry once its Celery worker is ready (``celery_app``).

    Subsystems that run a thread in every worker subscribe to it from their
    ``includeme`` (``config.add_subscriber(start, WorkerReady)``); ``request``
    finds the process-wide services such a thread uses.
    """

    def __init__(self, registry):
        self.registry = registry
        self.request = blank_request(registry)


def broker_breaker(registry):
    """The circuit breaker of the broker's server, shared with the process's other clients of it."""
    settings = registry.settings
    if settings.get("celery.task_always_eager") or not settings.get("celery.broker_url"):
        return NEVER_OPEN
    return redis_connections(registry).breaker(settings["celery.broker_url"])


@implementer(ISendOutcome)
class SendOutcome:
    error = None

    def raise_for_error(self):
        if self.error is not None:
            raise self.error


@implementer(ITaskSender)
class CeleryTaskSender:
    """Sends tasks by name through ``celery_app``, guarded by the broker's ``breaker``."""

    def __init__(self, celery_app, breaker):
        self.app = celery_app
        self.breaker = breaker

    def _unavailable(self):
        return ServiceUnavailable(
            "The processing queue is unavailable; please try again in a moment.",
            headers={"Retry-After": self.breaker.retry_after_header()},
        )

    def refuse_while_down(self):
        if self.breaker.refusing():
            raise self._unavailable()

    def send(self, tasks):
        tasks = list(tasks)
        try:
            with self.breaker.guard(OUTAGES):
                for name, args, *task_id in tasks:
                    # A signature runs a task of this process eagerly when
                    # task_always_eager is set; an unknown name is published.
                    signature = self.app.signature(name, args=tuple(args), immutable=True)
                    signature.apply_async(task_id=task_id[0] if task_id else None)
        except (CircuitOpen, *BROKER_ERRORS, *OUTAGES) as error:
            log.warning("Could not enqueue %d task(s): %s", len(tasks), error)
            raise self._unavailable() from error

    def send_after_commit(self, transaction_manager, tasks):
        # A task must never see data that was not committed, nor run for data
        # that was rolled back (warehouse's tasks.py).
        outcome = SendOutcome()
        tasks = list(tasks)

        def after_commit(committed):
            if not committed or not tasks:
                return
            try:
                self.send(tasks)
            except ServiceUnavailable as error:
                outcome.error = error

        transaction_manager.get().addAfterCommitHook(after_commit)
        return outcome


def includeme(config):
    config.include("pyramid_services")
    config.include("novel_pyramid.redisconn")
    configure_celery(app, config.get_settings())
    app.pyramid_registry = config.registry
    config.registry["celery.app"] = app
    config.register_service(CeleryTaskSender(app, broker_breaker(config.registry)), ITaskSender)
    # The queue depth a scrape reports, when tasks go through a Redis broker.
    depth = RedisQueueDepth.from_registry(config.registry)
    if depth is not None:
        config.registry.registerUtility(depth, IQueueDepth)
