"""Who serves the metrics: the parent of the granian workers, and the Celery worker's main process.

A process that forks workers owns the metrics port (``metrics.port``): it is
not one of the workers, so a scrape never waits behind requests or tasks, and
it reads every worker's files (multiprocess mode). When metrics are served at
all (the port, or ``metrics.on_public_port``), the workers write to
``metrics.multiproc_dir`` (``PROMETHEUS_MULTIPROC_DIR``), or to a private
temporary directory when none is given.
"""

import atexit
import contextlib

from novel_pyramid.metrics import multiprocess
from novel_pyramid.metrics.exposition import MetricsServer


def _multiprocess_directory(settings):
    """The directory to use and whether it is ours to remove."""
    path = settings["metrics.multiproc_dir"]
    if path:
        return path, False
    return multiprocess.make_private_directory(), True


@contextlib.contextmanager
def metrics_for_workers(pyramid_registry, port=None):
    """Around a server runner that forks workers: multiprocess mode, and ``/metrics`` on the metrics port.

    ``port`` (the server section's ``metrics_port``) replaces ``metrics.port``,
    so two servers of one INI file on one host can each have their own.
    """
    settings = pyramid_registry.settings
    port = settings["metrics.port"] if port in (None, "") else int(port)
    if not port and not settings["metrics.on_public_port"]:
        yield None
        return
    path, private = _multiprocess_directory(settings)
    multiprocess.enter(path)
    server = MetricsServer(pyramid_registry, settings["metrics.host"], port).start() if port else None
    try:
        yield server
    finally:
        if server is not None:
            server.stop()
        if private:
            multiprocess.remove_private_directory(path)


def prepare_worker(settings, pool):
    """At a Celery worker's start, before its pool forks: multiprocess mode when its children need it."""
    if not settings["metrics.port"]:
        return
    path = settings["metrics.multiproc_dir"]
    if not path and pool == "prefork":
        path = multiprocess.make_private_directory()
        atexit.register(multiprocess.remove_private_directory, path)
    if path:
        multiprocess.enter(path)


def serve_worker_metrics(pyramid_registry):
    """``/metrics`` on the worker's metrics port, from its main process; None when the port is 0."""
    settings = pyramid_registry.settings
    if not settings["metrics.port"]:
        return None
    return MetricsServer(pyramid_registry, settings["metrics.host"], settings["metrics.port"]).start()
