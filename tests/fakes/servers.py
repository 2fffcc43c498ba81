"""Local servers for tests and benchmarks: free ports, a private redis-server, fake HTTP services answering JSON.

A server a test needs but cannot have is ``unavailable``: in CI (``CI=true``,
where every service is provided, see .ci/run) that is a failure, elsewhere a
skip. A private ``RedisServer`` runs on a free port, without persistence, so
tests may flush, stop or restart it without touching the machine's shared Redis::

    own_redis = redis_fixture("own_redis")  # in a test module or conftest.py

    def test_something(own_redis):
        client = own_redis.client()
        own_redis.stop()
        own_redis.start()  # the same port again, its data gone
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
import requests

IN_CI = os.environ.get("CI", "").lower() == "true"
HOST = "127.0.0.1"


def unavailable(reason, *, ci_note=None):
    """A server the tests need is missing: in CI a failure (with ``ci_note`` appended), elsewhere a skip."""
    if IN_CI:
        pytest.fail(f"{reason} ({ci_note})" if ci_note else reason)
    pytest.skip(reason)


def free_port():
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_for_port(port, timeout=20.0):
    """Return once something accepts connections on 127.0.0.1:``port``; TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


def timed_request(call):
    """Make the HTTP request ``call()`` makes: (its status code, or the name of its requests error; seconds)."""
    started = time.monotonic()
    try:
        status = call().status_code
    except requests.RequestException as error:
        status = type(error).__name__
    return status, time.monotonic() - started


# -- Redis -----------------------------------------------------------------------------------


def shared_redis(url, *, on_missing=unavailable):
    """A client of the (shared) Redis at ``url``; ``on_missing("no Redis at host:port")`` when it does not answer."""
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError:
        on_missing(f"no Redis at {urlsplit(url).netloc}")
    return client


# -- a private redis-server -----------------------------------------------------------------


class RedisServerError(RuntimeError):
    """The redis-server did not answer in time after it was started."""


class RedisServer:
    """A redis-server of its own on a free port (no RDB snapshot, no AOF): ``start()``, ``stop()``, ``restart()``.

    The port is chosen once, so a restarted server answers at the same ``url``,
    empty. Also a context manager: started on entry if need be, stopped on exit.
    """

    def __init__(self, port=None):
        self.port = port or free_port()
        self.url = f"redis://{HOST}:{self.port}/0"
        self.process = None
        self._statistics = None

    @staticmethod
    def installed():
        return shutil.which("redis-server") is not None

    def start(self, timeout=10.0):
        """Run redis-server and wait until it answers PING; RedisServerError (the process killed) if it does not."""
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", HOST,
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        with self.client() as client:
            while True:
                try:
                    client.ping()
                    return self
                except redis.ConnectionError:
                    if time.monotonic() > deadline or self.process.poll() is not None:
                        break
                    time.sleep(0.05)
        self.process.kill()
        self.process.wait(timeout=10)
        self.process = None
        raise RedisServerError(f"redis-server on port {self.port} did not answer within {timeout} s")

    def stop(self):
        """Terminate the server if it runs; stopping a stopped server does nothing."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def restart(self):
        self.stop()
        return self.start()

    @contextlib.contextmanager
    def paused(self):
        """The server hangs inside the block (SIGSTOP) and answers again after it (SIGCONT), its data kept."""
        os.kill(self.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self.process.pid, signal.SIGCONT)

    def client(self, **options):
        """A redis-py client of this server."""
        return redis.Redis.from_url(self.url, **options)

    def reset_command_calls(self):
        # One connection for the statistics, opened before the reset: its handshake is not counted.
        self._statistics = self.client()
        self._statistics.config_resetstat()

    def command_calls(self):
        """``{command: calls}`` since ``reset_command_calls()``, the statistics' own commands left out."""
        stats = self._statistics.info("commandstats")
        return {
            name.removeprefix("cmdstat_"): entry["calls"]
            for name, entry in stats.items()
            if name not in ("cmdstat_info", "cmdstat_config|resetstat")
        }

    def __enter__(self):
        return self if self.process is not None else self.start()

    def __exit__(self, *exc_info):
        self.stop()


def start_redis(*, on_missing=unavailable):
    """A started RedisServer; without a redis-server binary, ``on_missing("redis-server is not installed")``.

    ``on_missing`` is ``unavailable`` (fail in CI, skip elsewhere) or, where
    a skip is wanted even in CI, ``pytest.skip``.
    """
    if not RedisServer.installed():
        on_missing("redis-server is not installed")
    return RedisServer().start()


def server_fixture(name, make_server, *, scope, doc):
    """A pytest fixture ``name`` giving the server ``make_server()`` makes, used as a context manager."""

    def fixture():
        with make_server() as server:
            yield server

    fixture.__name__ = fixture.__qualname__ = name
    fixture.__doc__ = doc
    return pytest.fixture(scope=scope, name=name)(fixture)


def redis_fixture(name, *, scope="function", on_missing=unavailable):
    """A pytest fixture ``name`` giving a started RedisServer of its own, stopped afterwards (see ``start_redis``)."""
    return server_fixture(
        name,
        lambda: start_redis(on_missing=on_missing),
        scope=scope,
        doc=f"A private redis-server for the {scope} (a RedisServer), stopped afterwards.",
    )


# -- fake HTTP services answering JSON --------------------------------------------------


class FakeHTTPService:
    """A fake service's HTTP server on 127.0.0.1 (a free port), serving from a daemon thread.

    Subclasses give ``Handler``, their ``BaseHTTPRequestHandler`` class (with
    ``JsonHandlerMixin``, its requests reach the fake service as ``self.fake``).
    """

    Handler = None
    _server = None

    @property
    def base_url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._server = ThreadingHTTPServer((HOST, 0), self.Handler)
        self._server.fake = self
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()


class JsonHandlerMixin:
    """For a ``BaseHTTPRequestHandler`` of a fake service: read JSON or form bodies, answer JSON, log nothing."""

    json_content_type = "application/json"

    @property
    def fake(self):
        """The ``FakeHTTPService`` this request came to."""
        return self.server.fake

    def send_json(self, status, payload, headers=None):
        """Answer ``payload`` (JSON-encoded unless already bytes) with this status and Content-Length."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", self.json_content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        """The request body (Content-Length bytes), ``b""`` without one."""
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def read_json(self):
        """The JSON request body, None when empty; invalid JSON raises ValueError."""
        raw = self.read_body()
        return json.loads(raw) if raw else None

    def read_form(self):
        """The form-encoded request body as a dict, the first value of each field."""
        return {key: values[0] for key, values in parse_qs(self.read_body().decode()).items()}

    def log_message(self, format, *args):
        pass  # keep the test output clean
