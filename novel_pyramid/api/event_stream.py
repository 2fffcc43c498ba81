"""Server-Sent Events of a resource's progress (``GET …/events``): the answer a view gives.

A view answers with the resource's state now, as one event, and the headers
of an event stream. Progress is a state, not a log: a client that reconnects
with ``Last-Event-ID`` needs the newest state only, so each event's id is a
digest of the state it carries, and a state the client already has is not
sent again. A stream of a resource that has ended, whose last state the client
has, answers 204, which tells an ``EventSource`` to stop reconnecting.

A plain WSGI process ends the answer there (the client reconnects after
``retry``: polling). The realtime process (``novel_pyramid.realtime.streams``)
keeps the stream open when the answer names a room (``STREAM_ROOM_HEADER``)
and sends each new state as the room announces it, with heartbeats between.
"""

import hashlib
import json

import colander
from pyramid.response import Response

from novel_pyramid.api.openapi import responses as openapi

# Names the room whose announcements continue the stream; the realtime process removes it.
STREAM_ROOM_HEADER = "Novel-Stream-Room"
# As WebOb spells a request header it lists (case does not matter on the wire).
LAST_EVENT_ID = "Last-Event-Id"
# Proxies (nginx) would otherwise hold the events back in their buffers. (Every API
# answer is ``Cache-Control: no-store`` already: novel_pyramid.security.)
STREAM_HEADERS = {"X-Accel-Buffering": "no"}


class EventStreamHeaders(colander.MappingSchema):
    last_event_id = colander.SchemaNode(
        colander.String(),
        name=LAST_EVENT_ID,
        missing=colander.drop,
        validator=colander.Length(max=64),
        description="The id of the last event received: a state the client has is not sent again.",
    )


def event_id(state):
    """The id of an event carrying ``state``: equal states, equal ids."""
    canonical = json.dumps(state, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def format_event(event, state):
    """One event as its lines: ``id``, ``event`` and the state as JSON ``data`` (on one line)."""
    data = json.dumps(state, separators=(",", ":"), ensure_ascii=False, default=str)
    return f"id: {event_id(state)}\nevent: {event}\ndata: {data}\n\n"


def event_stream_response(request, *, event, state, ended, room, retry_ms):
    """The stream's answer now: ``state`` unless the client has it; 204 once it has the last one."""
    last_seen = request.validated["header"].get(LAST_EVENT_ID)
    fresh = last_seen != event_id(state)
    if ended and not fresh:
        response = Response(status=204)
        response.headers.update(STREAM_HEADERS)
        return response
    body = f"retry: {retry_ms}\n\n" + (format_event(event, state) if fresh else "")
    response = Response(body=body.encode(), content_type="text/event-stream", charset="utf-8")
    response.headers.update(STREAM_HEADERS)
    if not ended:
        response.headers[STREAM_ROOM_HEADER] = room
    return response


def documented_responses(event, resource):
    """The OpenAPI responses of a ``GET …/events`` streaming ``event``s of ``resource`` (its GET's path)."""
    return {
        200: openapi.Response(
            {},
            f"Server-Sent Events: `retry:`, then `{event}` events whose `data:` is the resource (as GET {resource}) "
            "and whose `id:` names that state; the stream ends with the resource. A reconnection with "
            "`Last-Event-ID` gets only a newer state. The realtime process keeps the stream open (heartbeat "
            "comments between events; a refusal later on is an `error` event); a REST process answers the state "
            "now and the client reconnects after `retry` (docs/realtime.md)",
            headers={"X-Accel-Buffering": "no: proxies must not buffer the stream"},
            media_type="text/event-stream",
        ),
        204: openapi.Response(None, "It has ended and the client has its last state: stop reconnecting"),
    }
