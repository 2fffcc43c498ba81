"""One port for both: the Pyramid WSGI application under Socket.IO, as one ASGI application.

``/socket.io/`` is answered by the Socket.IO server (python-socketio, ASGI);
``GET /api/v2/…/events`` streams are kept open here (``realtime.streams``);
every other path goes to the WSGI application, which a2wsgi runs in a pool of
threads, as a WSGI server would. ``make serve`` serves this on one port; in
production the realtime process serves it too (``novel_pyramid.server``),
routed ``/socket.io/`` by the ingress, beside the REST processes.
"""

import asyncio

import socketio
from a2wsgi import WSGIMiddleware

from novel_pyramid.metrics.record import count_emit
from novel_pyramid.realtime.progress import SERVER_KEY, EndedJobs, LiveServer
from novel_pyramid.realtime.sockets import make_server
from novel_pyramid.realtime.streams import EventStreams, RoomSignals, is_event_stream
from novel_pyramid.realtime.subjects import PROGRESS_EVENTS

SOCKETIO_PATH = "socket.io"


class ProgressRedisManager(socketio.AsyncRedisManager):
    """python-socketio's Redis manager, dropping a job's state that was read before its final one (``EndedJobs``)."""

    def __init__(self, *args, ended, signals, **kwargs):
        super().__init__(*args, **kwargs)
        self.ended = ended
        self.signals = signals

    async def _handle_emit(self, message):
        data = message.get("data")
        state = data[0] if isinstance(data, list) and len(data) == 1 else None
        if message.get("event") in PROGRESS_EVENTS and isinstance(state, dict) and message.get("room"):
            if not self.ended.admit(message["room"], state):
                return
        await super()._handle_emit(message)
        count_emit(message.get("event") or "unknown")
        if message.get("room"):
            self.signals.announce(message["room"])


def client_manager(settings, ended, signals):
    """Through Redis when it is configured: a worker's emit then reaches every realtime process."""
    if not settings["redis_url"]:
        return None  # in-process: this process is the only one serving
    return ProgressRedisManager(
        settings["redis_url"],
        channel=settings["realtime.channel"],
        redis_options={"socket_connect_timeout": settings["redis.connect_timeout_seconds"]},
        ended=ended,
        signals=signals,
    )


def rest_app(wsgi_app, threads):
    """``wsgi_app`` as ASGI, run in ``threads`` threads."""
    middleware = WSGIMiddleware(wsgi_app, workers=threads)

    async def rest(scope, receive, send):
        # a2wsgi hands ``receive()`` to ``asyncio.run_coroutine_threadsafe``, which
        # takes only a coroutine; granian's is a future of its own.
        async def receive_message():
            return await receive()

        await middleware(scope, receive_message, send)

    return rest


def make_asgi_app(wsgi_app):
    """Socket.IO at ``/socket.io/`` and ``wsgi_app`` (a Pyramid router) everywhere else."""
    registry = wsgi_app.registry
    settings = registry.settings
    ended = EndedJobs()
    signals = RoomSignals()
    sio = make_server(registry, ended, client_manager(settings, ended, signals))
    server = LiveServer(sio, ended, signals)
    registry[SERVER_KEY] = server

    def started():
        server.serving(asyncio.get_running_loop())

    def stopped():
        server.loop = None

    rest = rest_app(wsgi_app, settings["realtime.wsgi_threads"])
    composed = socketio.ASGIApp(sio, rest, socketio_path=SOCKETIO_PATH, on_startup=started, on_shutdown=stopped)
    streams = EventStreams(wsgi_app, signals, settings["sse.heartbeat_seconds"])

    async def app(scope, receive, send):
        # A server that sends no lifespan events still names the loop at its first connection.
        if server.loop is None:
            server.serving(asyncio.get_running_loop())
        if is_event_stream(scope):
            await streams(scope, receive, send)
        else:
            await composed(scope, receive, send)

    app.sio = sio
    app.registry = registry
    return app


def asgi_app_from_ini(path):
    """The ASGI application of an INI file's ``[app:main]``: what a realtime worker process serves."""
    from pyramid.paster import get_app

    return make_asgi_app(get_app(path, "main"))
