"""Progress as the frontend receives it, and the publishers that send it (``IProgressPublisher``).

A publisher reads the job or coverage run as committed, builds its JSON (the
subject's state: ``realtime.subjects``) and hands it to an emitter: through
Redis to every realtime process (``RedisEmitter``), or to the Socket.IO server
of this process (``LocalEmitter``). Emits are throttled per job or run (``Throttle``).
"""

import asyncio
import logging
import threading
import time

from zope.interface import implementer

from novel_pyramid.coverage.models import RunStatus
from novel_pyramid.db import own_transaction
from novel_pyramid.jobs.models import JobStatus
from novel_pyramid.metrics.record import count_emit
from novel_pyramid.realtime.interfaces import IProgressPublisher
from novel_pyramid.realtime.subjects import COVERAGE_RUNS, JOBS, PROGRESS_EVENTS
from novel_pyramid.tasks import blank_request

log = logging.getLogger(__name__)

PROGRESS_EVENT = JOBS.progress_event
NAMESPACE = "/"
# The key of the live server in the registry, set by the process that serves Socket.IO (``realtime.asgi``).
SERVER_KEY = "realtime.server"


# The statuses of an ended job, as the frontend's Job names them.
FINAL_STATUSES = frozenset(
    status.value for statuses in (JobStatus, RunStatus) for status in statuses if status.is_final
)


class EndedJobs:
    """The final state of each job this process delivered, so that no state read before it follows it.

    Two workers may publish one job at the same moment (its last two chunks
    ending together): the state one read before the other's final commit can
    reach the clients after the final one, and a browser would show a finished
    job as running. States carry ``updated_at`` (to the second); once a job's
    final state has gone out, a state of it that is not newer is dropped. A
    newer one (a retried job) passes and ends the guard. Used on the server's
    event loop only.
    """

    MAX_ENTRIES = 5_000

    def __init__(self):
        self._final = {}

    def admit(self, room, state):
        """Whether ``state`` may be delivered to ``room`` (and remember it if it is final)."""
        final = self._final.get(room)
        newer = final is None or (state.get("updated_at") or "") >= (final.get("updated_at") or "")
        if state.get("status") in FINAL_STATUSES:
            if newer:
                if len(self._final) >= self.MAX_ENTRIES:
                    # Cheaper than LRU bookkeeping; the window it guards lasts milliseconds.
                    self._final.clear()
                self._final[room] = state
            return newer
        if not newer or (final is not None and state.get("updated_at") == final.get("updated_at")):
            return False
        self._final.pop(room, None)
        return True

    def latest(self, room, state):
        """``state``, or the final state delivered since it was read."""
        return state if self.admit(room, state) else self._final[room]


def read_state(registry, subject, subject_id):
    """``(state, final)`` of the job or run as committed now, or ``(None, False)`` when it no longer exists."""
    with own_transaction(registry["db.session_factory"]) as (manager, db):
        row = db.get(subject.model, subject_id)
        if row is None:
            return None, False
        request = blank_request(registry)
        request.tm = manager
        request.dbsession = db
        return subject.state(request, row), subject.has_ended(row)


class LiveServer:
    """The Socket.IO server of this process and the event loop it runs on (set once serving has started)."""

    def __init__(self, sio, ended, signals):
        self.sio = sio
        self.ended = ended
        self.signals = signals
        self.loop = None

    def serving(self, loop):
        """Serving has started on ``loop``: the in-process publisher (no Redis) hands its emits to it."""
        self.loop = loop
        if not self.sio.manager_initialized:
            # python-socketio starts listening on Redis at the first Socket.IO connection;
            # the event streams need the emits before anyone has connected.
            self.sio.manager_initialized = True
            self.sio.manager.initialize()

    def emit_threadsafe(self, event, data, room):
        """Schedule an emit on the server's loop from any thread; False when it is not serving yet."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return False
        asyncio.run_coroutine_threadsafe(self._emit(event, data, room), loop)
        return True

    async def _emit(self, event, data, room):
        if event not in PROGRESS_EVENTS or self.ended.admit(room, data):
            await self.sio.emit(event, data, room=room, namespace=NAMESPACE)
            count_emit(event)
            self.signals.announce(room)


class LocalEmitter:
    """Emits to the Socket.IO server of this process (embedded defaults: no Redis)."""

    def __init__(self, registry):
        self.registry = registry

    @property
    def listening(self):
        """Whether this process serves Socket.IO: else nobody here follows a job, and nothing need be read."""
        return self.registry.get(SERVER_KEY) is not None

    def emit(self, event, data, room):
        server = self.registry.get(SERVER_KEY)
        if server is None or not server.emit_threadsafe(event, data, room):
            # No Socket.IO here (a plain WSGI process): nobody in this process follows the job.
            log.debug("No Socket.IO server in this process; %s for %s not delivered", event, room)


class RedisEmitter:
    """Publishes through Redis with python-socketio's write-only manager: every realtime process delivers."""

    listening = True

    def __init__(self, url, channel, connect_timeout, read_timeout):
        import socketio

        self.manager = socketio.RedisManager(
            url,
            channel=channel,
            write_only=True,
            redis_options={"socket_connect_timeout": connect_timeout, "socket_timeout": read_timeout},
        )
        self._lock = threading.Lock()

    def emit(self, event, data, room):
        # One Redis connection per manager: publishes from several threads take turns.
        with self._lock:
            self.manager.emit(event, data, room=room, namespace=NAMESPACE)


class Throttle:
    """At most one emit per key (a job, a run) per ``interval`` s; a call inside the window emits once at its end."""

    def __init__(self, interval, emit_now):
        self.interval = interval
        self.emit_now = emit_now  # emit_now(key, may_emit) -> bool: whether the job or run has ended
        self._lock = threading.Lock()
        self._key_locks = {}
        self._last = {}
        self._timers = {}

    def _key_lock(self, key):
        with self._lock:
            return self._key_locks.setdefault(key, threading.Lock())

    def _ended(self, key):
        with self._lock:
            self._key_locks.pop(key, None)
            self._last.pop(key, None)
            timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()

    def call(self, key):
        # One key's reads and emits run one at a time, so they leave in the order they were read.
        with self._key_lock(key):
            ended = self.emit_now(key, self._may_emit)
        if ended:
            self._ended(key)

    def _may_emit(self, key, final):
        """Whether to emit the state just read now; if not, the end of the window has an emit scheduled."""
        now = time.monotonic()
        with self._lock:
            if final:
                self._last[key] = now
                return True
            if key in self._timers:
                return False
            wait = self._last.get(key, -self.interval) + self.interval - now
            if wait <= 0:
                self._last[key] = now
                return True
            timer = threading.Timer(wait, self._fire, args=(key,))
            timer.daemon = True
            self._timers[key] = timer
        timer.start()
        return False

    def _fire(self, key):
        with self._lock:
            self._timers.pop(key, None)
        try:
            self.call(key)
        except Exception:
            log.warning("Could not publish the delayed progress of %s", key, exc_info=True)

    def flush(self):
        with self._lock:
            timers, self._timers = self._timers, {}
        for key, timer in timers.items():
            timer.cancel()
            with self._lock:
                self._last.pop(key, None)
            self.call(key)


@implementer(IProgressPublisher)
class ProgressPublisher:
    """Reads a job's or run's state after each change and emits it to its room, throttled per job or run."""

    def __init__(self, registry, emitter, throttle_seconds):
        self.registry = registry
        self.emitter = emitter
        self.throttle = Throttle(throttle_seconds, self._read_and_emit)

    @classmethod
    def from_registry(cls, registry):
        settings = registry.settings
        if settings["redis_url"]:
            emitter = RedisEmitter(
                settings["redis_url"],
                settings["realtime.channel"],
                settings["redis.connect_timeout_seconds"],
                settings["redis.read_timeout_seconds"],
            )
        else:
            emitter = LocalEmitter(registry)
        return cls(registry, emitter, settings["realtime.throttle_ms"] / 1000)

    def job_changed(self, job_id):
        self._changed(JOBS, job_id)

    def coverage_run_changed(self, run_id):
        self._changed(COVERAGE_RUNS, run_id)

    def flush(self):
        self.throttle.flush()

    def _changed(self, subject, subject_id):
        if not self.emitter.listening:
            return
        try:
            self.throttle.call((subject, subject_id))
        except Exception:
            # Progress is a courtesy: a database or Redis hiccup must not fail the work.
            log.warning("Could not publish the progress of %s %s", subject.name.lower(), subject_id, exc_info=True)

    def _read_and_emit(self, key, may_emit):
        subject, subject_id = key
        state, final = read_state(self.registry, subject, subject_id)
        if state is None:
            return True
        if may_emit(key, final):
            self.emitter.emit(subject.progress_event, state, subject.room(subject_id))
        return final
