"""The worker's entry point: ``celery -A novel_pyramid.tasks.celery_app:app worker``.

Importing this module is the worker's ``main()``: it reads the INI file named
by ``NOVEL_PYRAMID_INI``, applies environment overrides with ``load_settings``
(as the web application does), and builds the worker's own registry: engine,
session factory, normaliser and logging. The web application never imports it.

Without ``NOVEL_PYRAMID_INI`` the worker reads ``production.ini``: a production
worker that forgot the variable then refuses to start without its secrets and
database rather than quietly running with development defaults. A developer
running a worker sets ``NOVEL_PYRAMID_INI=development.ini`` (with REDIS_URL;
without a broker, development runs tasks in the web process and needs no worker).
"""

import os

from celery.signals import (
    setup_logging,
    task_postrun,
    worker_process_init,
    worker_process_shutdown,
    worker_ready,
    worker_shutdown,
)
from pyramid.config import Configurator
from pyramid.paster import get_appsettings

from novel_pyramid.config import load_settings
from novel_pyramid.metrics import multiprocess as metrics_multiprocess
from novel_pyramid.metrics import record as metrics_record
from novel_pyramid.metrics import serving as metrics_serving
from novel_pyramid.tasks import WorkerReady, app

INI_ENV = "NOVEL_PYRAMID_INI"
DEFAULT_INI = "production.ini"

# What a worker needs of the application: no routes, no views, no auth.
WORKER_INCLUDES = (
    "novel_pyramid.logging",
    "novel_pyramid.db",
    # Counts what the tasks do; served on metrics.port by the main process.
    "novel_pyramid.metrics",
    # Chunk results are read through the cache, and the history a finished job
    # writes must invalidate the web processes' cached copy.
    "novel_pyramid.cache",
    # The owners of cached tables add their invalidation rules to the cache.
    "novel_pyramid.accounts",
    "novel_pyramid.history",
    "novel_pyramid.normalizers",
    "novel_pyramid.tasks",
    "novel_pyramid.jobs",
    # The task that ends a job closes its reservation in the ledger, and an
    # extraction reads the chunks an estimate kept.
    "novel_pyramid.credits",
    "novel_pyramid.estimates",
    "novel_pyramid.exporters",
    # Coverage runs read the word lists and key sentences in the worker.
    "novel_pyramid.wordlists",
    "novel_pyramid.coverage",
    # Workers publish each job's progress through Redis; the realtime process delivers it.
    "novel_pyramid.realtime",
)


def load_worker_settings(environ):
    path = environ.get(INI_ENV) or DEFAULT_INI
    return load_settings(dict(get_appsettings(path, name="main")), environ)


def build_worker_registry(settings):
    """A registry holding what tasks use; ``novel_pyramid.tasks`` configures ``app`` and attaches it."""
    config = Configurator(settings=settings)
    for include in WORKER_INCLUDES:
        config.include(include)
    config.commit()
    return config.registry


_settings = load_worker_settings(os.environ)
# Before anything records a metric, and before the pool forks its children.
metrics_serving.prepare_worker(_settings, _settings["celery.worker_pool"])
build_worker_registry(_settings)


@setup_logging.connect
def _keep_our_logging(**kwargs):
    # A receiver here tells Celery not to configure logging: novel_pyramid.logging
    # already has (one JSON object per line in production, task id included).
    pass


@worker_process_init.connect
def _forget_inherited_connections(**kwargs):
    # A prefork child must not reuse database connections opened by its parent.
    app.pyramid_registry["db.engine"].dispose(close=False)


@worker_ready.connect
def _announce_ready(**kwargs):
    # The jobs subsystem starts its lost-task sweeper on this event.
    registry = app.pyramid_registry
    registry.notify(WorkerReady(registry))


_metrics_server = []


@worker_ready.connect
def _serve_metrics(**kwargs):
    # In the main process, once the pool has forked: children never inherit the server's thread.
    server = metrics_serving.serve_worker_metrics(app.pyramid_registry)
    if server is not None:
        _metrics_server.append(server)


@worker_shutdown.connect
def _stop_serving_metrics(**kwargs):
    while _metrics_server:
        _metrics_server.pop().stop()


@worker_process_shutdown.connect
def _drop_live_metrics(**kwargs):
    # A pool child that exits takes its live gauges with it (scrapes also drop those of children that died).
    metrics_multiprocess.mark_this_process_dead()


@task_postrun.connect
def _count_task(task=None, state=None, **kwargs):
    metrics_record.count_task(task.name if task is not None else "unknown", state)


__all__ = ["app"]
