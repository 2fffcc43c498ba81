"""The production HTTP server: granian, run by ``pserve production.ini`` (``use = egg:novel_pyramid#granian``).

Why granian (docs/performance.md has the measurements): its HTTP handling is
Rust, outside the GIL, so two worker processes spend the two cores on the
application rather than on parsing requests, and every keep-alive connection
is served (a blocking-thread pool runs the WSGI application). On the benchmark
it served about 1.5 times the requests of gunicorn's gthread workers, at a lower tail.

``serve`` is a PasteDeploy server runner (the REST processes). ``serve_realtime``
(``use = egg:novel_pyramid#realtime``) serves the same application under
Socket.IO as one ASGI application (``novel_pyramid.realtime.asgi``): ``make serve``
on one port, and production's realtime process (``pserve production.ini
--server-name realtime``), where the ingress routes ``/socket.io/`` to it.

``serve`` is a PasteDeploy server runner. Each granian worker process builds
its own application from the same INI file (``application``), as gunicorn does
without preloading: nothing opened by the parent, such as database
connections, is shared across a fork.
"""

import os

from pyramid.paster import get_app

from novel_pyramid.metrics.serving import metrics_for_workers

INI_VARIABLE = "NOVEL_PYRAMID_INI"
DEFAULT_THREADS = 4

# granian's own lines (start, stop, worker respawns) go through the root
# logger, so they come out as our JSON lines in production.
GRANIAN_LOGGING = {"loggers": {"_granian": {"level": "INFO", "propagate": True}}}


def application():
    """The WSGI application of the INI file named by ``NOVEL_PYRAMID_INI``: what a worker serves."""
    return get_app(os.environ[INI_VARIABLE], "main")


def realtime_application():
    """The ASGI application (Socket.IO and the REST API) of the INI file named by ``NOVEL_PYRAMID_INI``."""
    from novel_pyramid.realtime.asgi import asgi_app_from_ini

    return asgi_app_from_ini(os.environ[INI_VARIABLE])


def serve(
    wsgi_app,
    global_conf,
    host="0.0.0.0",
    port=8080,
    workers=2,
    threads=DEFAULT_THREADS,
    backlog=1024,
    metrics_port=None,
):
    """Serve the INI's application with granian; returns when the server has stopped (SIGTERM, SIGINT).

    This process, the workers' parent, serves ``/metrics`` on ``metrics.port``
    (or the section's ``metrics_port``) for all of them (``novel_pyramid.metrics.serving``).
    """
    from granian import Granian
    from granian.constants import Interfaces

    os.environ[INI_VARIABLE] = global_conf["__file__"]
    server = Granian(
        f"{__name__}:application",
        factory=True,
        interface=Interfaces.WSGI,
        address=host,
        port=int(port),
        workers=int(workers),
        # Threads that run the application in each worker. v1 POST /process-pdf
        # holds one while it waits for its job (jobs.sync_wait_seconds).
        blocking_threads=int(threads),
        backlog=int(backlog),
        respawn_failed_workers=True,
        # Kubernetes sends SIGTERM, then SIGKILL after its grace period (30 s).
        workers_kill_timeout=25,
        log_access=False,  # the application writes one access line per request
        log_dictconfig=GRANIAN_LOGGING,
        websockets=False,  # WSGI has none; saying so at every start is noise
    )
    with metrics_for_workers(wsgi_app.registry, metrics_port):
        server.serve()


def serve_realtime(wsgi_app, global_conf, host="0.0.0.0", port=8081, workers=1, backlog=1024, metrics_port=None):
    """Serve Socket.IO and the REST API on one port with granian's ASGI interface, until SIGTERM or SIGINT.

    Without Redis keep one worker: progress is then emitted in-process and
    reaches only the clients of the process the job runs in. With Redis every
    worker delivers whatever any process publishes (WebSocket only, so a
    client never needs to come back to the same worker).

    ``/metrics`` is served as ``serve`` serves it.
    """
    from granian import Granian
    from granian.constants import Interfaces

    os.environ[INI_VARIABLE] = global_conf["__file__"]
    server = Granian(
        f"{__name__}:realtime_application",
        factory=True,
        interface=Interfaces.ASGI,
        address=host,
        port=int(port),
        workers=int(workers),
        backlog=int(backlog),
        respawn_failed_workers=True,
        workers_kill_timeout=25,
        log_access=False,
        log_dictconfig=GRANIAN_LOGGING,
        websockets=True,
    )
    with metrics_for_workers(wsgi_app.registry, metrics_port):
        server.serve()
