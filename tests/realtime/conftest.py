"""The application served for real: Socket.IO and the REST API on one local port (uvicorn in a thread).

Tests follow jobs with python-socketio's own client over WebSocket, as the
frontend does (``io(API_URL, {path: "/socket.io/", transports: ["websocket"]})``),
and move the jobs on as the runner does: they change the job's row in the
database, commit, and call the publisher.
"""

import contextlib
import datetime
import json
import os
import pathlib
import queue
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest
import requests
import socketio
import uvicorn

from novel_pyramid import make_config
from novel_pyramid.auth.interfaces import IAccessTokens
from novel_pyramid.auth.tokens import AccessTokens
from novel_pyramid.config import load_settings
from novel_pyramid.coverage.models import CoverageRun
from novel_pyramid.jobs.models import Job
from novel_pyramid.realtime.asgi import make_asgi_app
from novel_pyramid.realtime.interfaces import IProgressPublisher
from novel_pyramid.tasks import blank_request
from tests.fakes import servers
from tests.fakes.servers import free_port, wait_for_port

ROOT = pathlib.Path(__file__).resolve().parents[2]
REALTIME_SETTINGS = {"novel_pyramid.includes": "novel_pyramid.realtime", "realtime.throttle_ms": "0"}
EVENTS = ("joined_room", "left_room", "job_progress", "coverage_progress", "error")


class ServedApp:
    """The ASGI application on ``url``; ``registry`` is its Pyramid registry."""

    def __init__(self, app, port):
        self.app = app
        self.registry = app.registry
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            ws="websockets-sansio",
            # An event stream a test left open would hold the shutdown for as long as it lasts.
            timeout_graceful_shutdown=2,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        wait_for_port(self.port, timeout=20)
        return self

    def __exit__(self, *exc_info):
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def sign_in(self, email="lea@example.com"):
        """``(user_id, access_token)`` of a development sign-in through the served REST API."""
        response = requests.post(f"{self.url}/api/v1/auth/dev-login", json={"email": email}, timeout=10)
        response.raise_for_status()
        body = response.json()
        return body["user"]["id"], body["access_token"]

    def get(self, path, token=None):
        response = requests.get(f"{self.url}{path}", headers=bearer(token), timeout=10)
        response.raise_for_status()
        return response.json()

    def post(self, path, token=None, body=None):
        response = requests.post(f"{self.url}{path}", json=body, headers=bearer(token), timeout=10)
        response.raise_for_status()
        return response.json()

    def publisher(self):
        return blank_request(self.registry).find_service(IProgressPublisher)

    def verify(self, token):
        """The claims of one of this app's access tokens."""
        return blank_request(self.registry).find_service(IAccessTokens).verify(token)


def bearer(token):
    return {"Authorization": f"Bearer {token}"} if token else {}


@pytest.fixture
def serve(app_settings, dbsession):
    """``serve(**overrides)``: the application served on a free port until the test ends."""
    with contextlib.ExitStack() as stack:

        def start(environ=None, **overrides):
            raw = {**app_settings, **REALTIME_SETTINGS, **overrides}
            settings = load_settings(raw, environ=environ or {})
            settings["db.engine"] = raw["db.engine"]
            settings["log.keep_handlers"] = True
            app = make_asgi_app(make_config(settings).make_wsgi_app())
            return stack.enter_context(ServedApp(app, free_port()))

        yield start


@pytest.fixture(scope="module")
def redis_url():
    url = os.environ.get("REDIS_URL")
    if url:
        servers.shared_redis(url)
        yield url
        return
    try:
        server = servers.start_redis()
    except servers.RedisServerError as error:
        servers.unavailable(str(error))
    with server:
        yield server.url


@pytest.fixture
def channel():
    # A channel of this test's own: a shared Redis may carry other runs' progress.
    return f"novel_test.socketio.{uuid.uuid4().hex[:8]}"


@pytest.fixture
def served(serve):
    return serve()


class Follower:
    """A python-socketio client that records every event the frontend listens to, in order of arrival."""

    def __init__(self, url):
        self.url = url
        self.events = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        for name in EVENTS:
            self.client.on(name, self._recorder(name))

    def _recorder(self, name):
        def record(data=None):
            self.events.put((name, data))

        return record

    def connect(self):
        self.client.connect(self.url, socketio_path="/socket.io/", transports=["websocket"], wait_timeout=10)
        return self

    def join(self, job_id, token):
        self.client.emit("join_job", {"job_id": job_id, "token": token})

    def leave(self, job_id):
        self.client.emit("leave_job", {"job_id": job_id})

    def join_run(self, run_id, token):
        self.client.emit("join_coverage_run", {"run_id": run_id, "token": token})

    def leave_run(self, run_id):
        self.client.emit("leave_coverage_run", {"run_id": run_id})

    def next(self, timeout=10):
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"No event within {timeout}s") from None

    def expect(self, name, timeout=10):
        event, data = self.next(timeout)
        assert event == name, (event, data)
        return data

    def quiet_for(self, seconds):
        """Assert that nothing arrives for ``seconds``."""
        with contextlib.suppress(queue.Empty):
            event = self.events.get(timeout=seconds)
            raise AssertionError(f"Unexpected event {event}")

    def close(self):
        self.client.disconnect()


@pytest.fixture
def follower(request):
    """``follower(url=served.url)``: a connected client; every one is disconnected at the end."""
    made = []

    def connect(url=None):
        client = Follower(url or request.getfixturevalue("served").url).connect()
        made.append(client)
        return client

    yield connect
    for client in made:
        client.close()


def running_job(dbsession, user_id, *, chunks_total=4, filename="livre.pdf"):
    """A job of ``user_id`` in the middle of its normalisation; committed."""
    job = Job(
        user_id=user_id,
        status="processing",
        step="normalizing",
        original_filename=filename,
        sentence_length_limit=8,
        normalizer="local",
        chunks_total=chunks_total,
        chunks_done=0,
        started_at=datetime.datetime.now(datetime.UTC).replace(tzinfo=None),
    )
    dbsession.add(job)
    dbsession.commit()
    return job


def running_coverage_run(dbsession, user_id):
    """A coverage run of ``user_id`` covering its corpus; committed."""
    run = CoverageRun(
        user_id=user_id,
        mode="coverage",
        source_type="job",
        source_id="job-1",
        source_ids=["job-1"],
        word_keys=["chat", "maison"],
        status="processing",
        step="covering",
        progress_percent=10,
        config={},
    )
    dbsession.add(run)
    dbsession.commit()
    return run


def advance(dbsession, job, publisher, **fields):
    """Change the job's row and commit, then tell the publisher: what the runner does after each step."""
    for name, value in fields.items():
        setattr(job, name, value)
    dbsession.commit()
    publisher.job_changed(job.id)


def short_lived_token(settings, user_id, session_id, seconds):
    """An access token of the app's key that expires ``seconds`` from now."""
    tokens = AccessTokens(settings["jwt.secret_key"], lifetime=datetime.timedelta(seconds=seconds))
    return tokens.issue(user_id, session_id, now=datetime.datetime.now(datetime.UTC))


def wait_until(predicate, timeout=10, interval=0.05):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("Timed out")
        time.sleep(interval)


def publish_in_another_process(database_url, redis_url, channel, *job_ids):
    """Publish the jobs' states through Redis from a process of its own (``publish_from_worker``)."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.realtime.publish_from_worker", database_url, redis_url, channel, *job_ids],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"published {len(job_ids)}" in result.stdout


class EventStream:
    """A Server-Sent Events client over ``requests``: every event and heartbeat, in order of arrival.

    Items are ``("event", {"id", "event", "data"})``, ``("heartbeat", None)`` and,
    once the server has closed the stream, ``("closed", None)``.
    """

    def __init__(self, url, token=None, last_event_id=None):
        headers = {**bearer(token), "Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        self.response = requests.get(url, headers=headers, stream=True, timeout=30)
        self.items = queue.Queue()
        if self.response.status_code == 200 and self.response.headers["Content-Type"].startswith("text/event-stream"):
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        fields = {}
        try:
            for line in self.response.iter_lines(decode_unicode=True):
                if line == "":
                    if "event" in fields:
                        self.items.put(("event", fields))
                    fields = {}
                elif line.startswith(":"):
                    self.items.put(("heartbeat", None))
                else:
                    name, _, value = line.partition(":")
                    fields[name] = value.removeprefix(" ")
        except (requests.RequestException, AttributeError):
            pass  # closed by this side (urllib3 drops its socket under the reading thread)
        self.items.put(("closed", None))

    def next(self, timeout=10):
        try:
            return self.items.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"Nothing on the stream within {timeout}s") from None

    def event(self, timeout=10):
        """The next event (heartbeats skipped): ``(event name, id, data decoded)``."""
        while True:
            kind, fields = self.next(timeout)
            if kind == "event":
                return fields["event"], fields.get("id"), json.loads(fields["data"])
            assert kind == "heartbeat", kind

    def expect_closed(self, timeout=10):
        while True:
            kind, fields = self.next(timeout)
            if kind == "closed":
                return
            assert kind == "heartbeat", (kind, fields)

    def close(self):
        # A plain close() waits on the reading thread until its read times out; shutting the
        # socket down ends the read at once, and the server sees the client go.
        connection = getattr(self.response.raw, "_connection", None)
        if connection is not None and connection.sock is not None:
            with contextlib.suppress(OSError):
                connection.sock.shutdown(socket.SHUT_RDWR)
        self.response.close()
