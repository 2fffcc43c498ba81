"""The Socket.IO side the frontend speaks (``frontend/src/lib/useJobWebSocket.ts``, ``useCoverageWebSocket.ts``).

A client connects (no credentials needed to connect), then for each job it follows:

- ``join_job {job_id, token}``: the token is one of our access tokens, checked as
  the security policy checks a bearer token (signature and expiry, then the
  session's standing in the database); the job must be the user's. The client
  gets ``joined_room {job_id}`` and at once ``job_progress`` with the job's
  current state, then a ``job_progress`` at each change.
- ``leave_job {job_id}``: ``left_room {job_id}``; nothing more of that job.
- ``error {message}``: ``token_expired`` or ``invalid_token`` (sign in or refresh,
  then join again), or a sentence saying what is wrong (no such job of yours,
  a malformed payload). When the token used to join expires while the client
  follows the job, the client gets ``error {message: "token_expired"}`` and is
  taken out of the room: the frontend refreshes its token and joins again.

Coverage runs the same way (``realtime.subjects``): ``join_coverage_run {run_id,
token}``, ``leave_coverage_run {run_id}``, ``coverage_progress`` (a CoverageRun).
Payload keys the frontend may add later are ignored, not refused: a browser
cannot be told apart from an older or newer build of itself mid-session.

Reads run in threads (``asyncio.to_thread``): SQLAlchemy and the session check are synchronous.
"""

import asyncio
import logging
import time

import colander
import jwt
import socketio

from novel_pyramid.auth.interfaces import IAccessTokens, ISessionStanding
from novel_pyramid.db import own_transaction
from novel_pyramid.errors import InvalidInput, NotFound, Unauthorized
from novel_pyramid.metrics.record import realtime_client_connected, realtime_client_disconnected
from novel_pyramid.realtime.progress import NAMESPACE
from novel_pyramid.realtime.subjects import SUBJECTS
from novel_pyramid.security.cors import CorsPolicy
from novel_pyramid.tasks import blank_request

log = logging.getLogger(__name__)

TOKEN_EXPIRED = "token_expired"
INVALID_TOKEN = "invalid_token"


class Refused(Exception):
    """A join refused: the ``error`` event the client gets, ``{message}`` (and ``details`` of a bad payload)."""

    def __init__(self, message, details=None):
        super().__init__(message)
        self.message = message
        self.details = details

    def event(self):
        return {"message": self.message} if self.details is None else {"message": self.message, "details": self.details}


def token_has_expired(token):
    """Whether a token our verifier refused carries an expiry in the past.

    Read without checking the signature, only to choose between the two
    messages the frontend knows: it refreshes on ``token_expired``. A forged
    token that claims an old expiry learns nothing by it and gains nothing.
    """
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    expires = claims.get("exp")
    return isinstance(expires, int | float) and expires <= time.time()


class Gate:
    """Checks a join in the application's terms: whose token, which job or run, in what state. Synchronous."""

    def __init__(self, registry):
        self.registry = registry
        request = blank_request(registry)
        self.access_tokens = request.find_service(IAccessTokens)
        self.standing = request.find_service(ISessionStanding)

    def user_of(self, token):
        """``(user_id, expires_at)`` of a valid access token whose session may act; ``Refused`` otherwise."""
        try:
            claims = self.access_tokens.verify(token)
        except Unauthorized:
            raise Refused(TOKEN_EXPIRED if token_has_expired(token) else INVALID_TOKEN) from None
        user_id = int(claims["sub"])
        # The same question the security policy asks of every request: signed out, disabled.
        if self.standing.failure(user_id, claims["sid"]) is not None:
            raise Refused(INVALID_TOKEN)
        return user_id, float(claims["exp"])

    def state_of(self, subject, user_id, subject_id):
        """The JSON of the user's job or run as committed now; ``Refused`` when the user has no such one."""
        with own_transaction(self.registry["db.session_factory"]) as (manager, db):
            request = blank_request(self.registry)
            request.tm = manager
            request.dbsession = db
            try:
                row = subject.find_owned(request, user_id, subject_id)
            except NotFound:
                # Another user's reads as missing too: its existence is not theirs to learn.
                raise Refused(f"{subject.name} {subject_id} was not found among your {subject.plural}.") from None
            return subject.state(request, row)


def payload_of(schema, event, data):
    if not isinstance(data, dict):
        fields = ", ".join(node.name for node in schema.children)
        raise Refused(f"{event} needs an object with {fields}.")
    try:
        return schema.deserialize(data)
    except colander.Invalid as invalid:
        error = InvalidInput.from_colander(invalid, whole="data")
        raise Refused(error.message, error.details) from None


class FollowingNamespace(socketio.AsyncNamespace):
    """The join and leave events of every subject, and the expiry of the token each join was made with."""

    def __init__(self, gate, ended, namespace=NAMESPACE):
        super().__init__(namespace)
        self.gate = gate
        self.ended = ended
        # sid -> {room: the timer that ends the membership when the join's token expires}
        self._expiries = {}
        self._schemas = {subject: (subject.join_schema(), subject.leave_schema()) for subject in SUBJECTS}

    async def trigger_event(self, event, *args):
        for subject in SUBJECTS:
            if event == subject.join_event:
                return await self.join(subject, *args)
            if event == subject.leave_event:
                return await self.leave(subject, *args)
        return await super().trigger_event(event, *args)

    async def reply(self, sid, event, data):
        # The client is connected to this process: straight to it, not round through Redis,
        # which python-socketio would otherwise do for every emit (a publish per answer).
        await self.emit(event, data, to=sid, ignore_queue=True)

    async def on_connect(self, sid, environ, auth=None):
        self._expiries[sid] = {}
        realtime_client_connected()

    async def on_disconnect(self, sid, reason=None):
        expiries = self._expiries.pop(sid, None)
        if expiries is not None:
            realtime_client_disconnected()
        for timer in (expiries or {}).values():
            timer.cancel()

    async def join(self, subject, sid, data=None):
        try:
            payload = payload_of(self._schemas[subject][0], subject.join_event, data)
            subject_id = payload[subject.id_field]
            room = subject.room(subject_id)
            user_id, expires_at = await asyncio.to_thread(self.gate.user_of, payload["token"])
            # In the room before the state is read: a change committed after the
            # read is published after it, and so reaches this client.
            await self.enter_room(sid, room)
            try:
                state = await asyncio.to_thread(self.gate.state_of, subject, user_id, subject_id)
            except Refused:
                await self.leave_room(sid, room)
                raise
        except Refused as refused:
            await self.reply(sid, "error", refused.event())
            return
        self._expire_at(sid, subject, subject_id, expires_at)
        await self.reply(sid, "joined_room", {subject.id_field: subject_id})
        # It may have ended while its state was read: then its end is what the client gets.
        await self.reply(sid, subject.progress_event, self.ended.latest(room, state))

    async def leave(self, subject, sid, data=None):
        try:
            subject_id = payload_of(self._schemas[subject][1], subject.leave_event, data)[subject.id_field]
        except Refused as refused:
            await self.reply(sid, "error", refused.event())
            return
        room = subject.room(subject_id)
        self._forget(sid, room)
        await self.leave_room(sid, room)
        await self.reply(sid, "left_room", {subject.id_field: subject_id})

    def _expire_at(self, sid, subject, subject_id, expires_at):
        timers = self._expiries.get(sid)
        if timers is None:  # gone while the join was checked
            return
        room = subject.room(subject_id)
        self._forget(sid, room)
        delay = max(0.0, expires_at - time.time())
        loop = asyncio.get_running_loop()
        timers[room] = loop.call_later(
            delay, lambda: loop.create_task(self._expired(sid, room, {subject.id_field: subject_id}))
        )

    def _forget(self, sid, room):
        timer = self._expiries.get(sid, {}).pop(room, None)
        if timer is not None:
            timer.cancel()

    async def _expired(self, sid, room, naming):
        timers = self._expiries.get(sid)
        if timers is None or timers.pop(room, None) is None:
            return
        await self.leave_room(sid, room)
        await self.reply(sid, "error", {"message": TOKEN_EXPIRED, **naming})


class OriginCheck:
    """The origins a browser may open a socket from: the API's own, and those its CORS policy allows."""

    def __init__(self, cors):
        self.cors = cors

    def __call__(self, origin, environ):
        if origin is None:
            # Asked while engine.io answers a request that named no origin (not a browser's):
            # no CORS headers are due.
            return False
        host = environ.get("HTTP_HOST")
        if host and origin == f"{environ.get('wsgi.url_scheme', 'http')}://{host}":
            return True
        return self.cors.allows(origin)


def make_server(registry, ended, client_manager=None):
    """The Socket.IO server of ``registry``'s application: WebSocket only, origins as the REST API allows."""
    settings = registry.settings
    sio = socketio.AsyncServer(
        async_mode="asgi",
        client_manager=client_manager,
        cors_allowed_origins=OriginCheck(CorsPolicy.from_settings(settings)),
        transports=["websocket"],
        ping_interval=settings["realtime.ping_interval_seconds"],
        # Logged by us (join refusals are the client's business, not an operator's).
        logger=False,
        engineio_logger=False,
    )
    sio.register_namespace(FollowingNamespace(Gate(registry), ended))
    return sio
