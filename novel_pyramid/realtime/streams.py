"""Server-Sent Events kept open: the realtime process continues the streams the REST views begin.

A ``GET …/events`` request goes to the Pyramid view first, run in a thread as
any WSGI request (``novel_pyramid.api.event_stream``): it authenticates,
validates and answers the state now. An error, a 204 or a stream of a
resource that has ended goes back as it is. An answer that names a room
stays open: each time the room is announced in this process (``RoomSignals``:
the emits Socket.IO delivers, from Redis or in-process) the view is asked
again with the id of the last event sent, and its new event, if any, goes out.
Between announcements a heartbeat comment keeps proxies from closing the
connection, and the view is asked again then too, so a lost announcement
delays an event by one heartbeat at most. A refusal on a later ask (the token
expired, the resource was deleted) goes out as an ``error`` event whose data
is the error body, and the stream ends.
"""

import asyncio
import contextlib
import io
import logging
import re

from a2wsgi.wsgi import build_environ

from novel_pyramid.api.event_stream import LAST_EVENT_ID, STREAM_ROOM_HEADER

log = logging.getLogger(__name__)

EVENTS_PATH = re.compile(r"^/api/v2/.+/events$")
HEARTBEAT = b": heartbeat\n\n"
LAST_EVENT_ID_HEADER = LAST_EVENT_ID.lower().encode()
ROOM_HEADER = STREAM_ROOM_HEADER.lower()


class RoomSignals:
    """Wakes the streams following a room when it is announced; on the server's event loop only."""

    def __init__(self):
        self._waiting = {}

    @contextlib.contextmanager
    def following(self, room):
        wake = asyncio.Event()
        self._waiting.setdefault(room, set()).add(wake)
        try:
            yield wake
        finally:
            waiting = self._waiting.get(room)
            waiting.discard(wake)
            if not waiting:
                del self._waiting[room]

    def followers(self, room):
        return len(self._waiting.get(room, ()))

    def announce(self, room):
        for wake in self._waiting.get(room, ()):
            wake.set()


def is_event_stream(scope):
    return scope["type"] == "http" and scope["method"] == "GET" and EVENTS_PATH.match(scope["path"]) is not None


def with_last_event_id(scope, last_event_id):
    headers = [(name, value) for name, value in scope["headers"] if name != LAST_EVENT_ID_HEADER]
    if last_event_id is not None:
        headers.append((LAST_EVENT_ID_HEADER, last_event_id.encode()))
    return {**scope, "headers": headers}


def call_view(wsgi_app, scope):
    """``(status, headers, body)`` of the WSGI application's answer to ``scope`` (a GET: no body)."""
    started = {}

    def start_response(status, headers, exc_info=None):
        started["status"] = int(status.split(" ", 1)[0])
        started["headers"] = headers
        return lambda data: None

    iterable = wsgi_app(build_environ(scope, io.BytesIO()), start_response)
    try:
        body = b"".join(iterable)
    finally:
        if hasattr(iterable, "close"):
            iterable.close()
    return started["status"], started["headers"], body


def last_event_id_in(body, default):
    """The id of the last event in ``body``, else ``default``."""
    found = re.findall(rb"^id: ?(.*)$", body, flags=re.MULTILINE)
    return found[-1].decode() if found else default


class EventStreams:
    """The ASGI side of ``GET …/events``: begins with the view's answer, continues while it names a room."""

    def __init__(self, wsgi_app, signals, heartbeat_seconds):
        self.wsgi_app = wsgi_app
        self.signals = signals
        self.heartbeat_seconds = heartbeat_seconds

    async def __call__(self, scope, receive, send):
        status, headers, body = await asyncio.to_thread(call_view, self.wsgi_app, scope)
        room = next((value for name, value in headers if name.lower() == ROOM_HEADER), None)
        headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
        if room is None:
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        headers = [
            (name, value) for name, value in headers if name.lower() not in (ROOM_HEADER.encode(), b"content-length")
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": True})
        last_event_id = last_event_id_in(body, dict(scope["headers"]).get(LAST_EVENT_ID_HEADER, b"").decode() or None)
        following = asyncio.ensure_future(self._follow(scope, send, room, last_event_id))
        disconnected = asyncio.ensure_future(_disconnect(receive))
        try:
            await asyncio.wait((following, disconnected), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (following, disconnected):
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await following
            if following.done() and not following.cancelled() and following.exception() is not None:
                log.warning("An event stream of %s ended on an error", room, exc_info=following.exception())
        with contextlib.suppress(OSError, RuntimeError):
            await send({"type": "http.response.body", "body": b""})

    async def _follow(self, scope, send, room, last_event_id):
        with self.signals.following(room) as wake:
            while True:
                try:
                    await asyncio.wait_for(wake.wait(), self.heartbeat_seconds)
                except TimeoutError:
                    await send({"type": "http.response.body", "body": HEARTBEAT, "more_body": True})
                wake.clear()
                status, headers, body = await asyncio.to_thread(
                    call_view, self.wsgi_app, with_last_event_id(scope, last_event_id)
                )
                if status == 204:
                    return
                if status != 200:
                    await send({"type": "http.response.body", "body": error_event(body), "more_body": True})
                    return
                chunk = body.partition(b"\n\n")[2]  # without the ``retry`` the stream began with
                if chunk:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                    last_event_id = last_event_id_in(chunk, last_event_id)
                if not any(name.lower() == ROOM_HEADER for name, _ in headers):
                    return


def error_event(body):
    data = body.replace(b"\n", b"")  # the JSON error body, on one line
    return b"event: error\ndata: " + data + b"\n\n"


async def _disconnect(receive):
    while (await receive())["type"] != "http.disconnect":
        pass
