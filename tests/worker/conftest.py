"""Fixtures for the worker tests: our own Redis, a fake Gemini, and real ``celery worker`` subprocesses.

The web side is the WebTest app (sending tasks to that Redis); the worker is a
separate process configured, as in production, by an INI file named in
``NOVEL_PYRAMID_INI``. Both use the test database. Locally the tests skip when
redis-server is missing; in CI (``CI=true``) a Redis or worker that cannot start
is a failure.
"""

import contextlib
import functools
import os
import pathlib
import signal
import subprocess
import sys
import time
import uuid

import pytest
import redis

from tests.fakes import servers
from tests.fakes.gemini_server import gemini_fixture
from tests.functional import conftest as functional_fixtures

# The sign-in fixtures of the functional tests, shared rather than copied.
login = functional_fixtures.login
auth_headers = functional_fixtures.auth_headers
make_user = functional_fixtures.make_user

ROOT = pathlib.Path(__file__).resolve().parents[2]
GEMINI_KEY = "worker-test-gemini-key"
# Settings shared by the web app and the worker.
COMMON_SETTINGS = {
    "normalizer": "gemini",
    "gemini.api_key": GEMINI_KEY,
    "gemini.max_retries": "0",
    "gemini.backoff_seconds": "0.001",
    "gemini.timeout_seconds": "20",
    "pipeline.chunk_max_words": "50",
}
# Short leases, so the work of a killed worker comes back within seconds. The
# visibility timeout stays production's hour: recovery must not wait for it.
FAST_RECOVERY = {
    "celery.visibility_timeout": "3600",
    "jobs.lease_seconds": "2",
    "jobs.heartbeat_seconds": "0.5",
    "jobs.sweep_seconds": "1",
}
# Environment variables that would override the INI file the worker is given.
OVERRIDING_ENV = (
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CELERY_TASK_ALWAYS_EAGER",
    "NOVEL_NORMALIZER",
    "GEMINI_API_KEY",
    "GEMINI_BASE_URL",
    "NOVEL_ENVIRONMENT",
)


unavailable = functools.partial(servers.unavailable, ci_note="CI=true: the worker tests must run")


def wait_for(predicate, timeout, interval=0.1, message="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


@pytest.fixture(scope="session")
def redis_url():
    try:
        server = servers.start_redis(on_missing=unavailable)
    except servers.RedisServerError as error:
        unavailable(str(error))
    with server:
        yield server.url


@pytest.fixture
def broker(redis_url):
    """The broker, emptied before each test: no task of an earlier test is left."""
    redis.Redis.from_url(redis_url).flushall()
    return redis_url


gemini_server = gemini_fixture("gemini_server", api_key=GEMINI_KEY)


@pytest.fixture
def gemini(gemini_server):
    gemini_server.reset()
    gemini_server.latency = 0.0
    yield gemini_server
    gemini_server.reset()


@pytest.fixture(scope="session")
def worker_ini(tmp_path_factory, database_url, redis_url, gemini_server):
    settings = worker_settings(
        database_url,
        **{"celery.broker_url": redis_url, "gemini.base_url": gemini_server.base_url},
        **COMMON_SETTINGS,
        **FAST_RECOVERY,
    )
    return write_ini(tmp_path_factory.mktemp("worker") / "worker.ini", settings)


def worker_settings(database_url, **settings):
    """What every test worker's INI holds, ``settings`` over it."""
    return {
        "use": "egg:novel_pyramid",
        "environment": "testing",
        "database_url": database_url,
        "jwt.secret_key": "test-jwt-key",
        "secret_key": "test-secret-key",
        "log.level": "info",
        "log.format": "text",
        **settings,
    }


def write_ini(path, settings):
    """An INI file whose ``[app:main]`` holds ``settings``; returns ``path``."""
    # "%" would start an interpolation in the INI file.
    lines = [f"{key} = {str(value).replace('%', '%%')}" for key, value in settings.items()]
    path.write_text("[app:main]\n" + "\n".join(lines) + "\n")
    return path


class Worker:
    """A ``celery worker`` subprocess in its own process group, logging to a file."""

    def __init__(self, ini, log_path, concurrency):
        self.log_path = log_path
        env = {name: value for name, value in os.environ.items() if name not in OVERRIDING_ENV}
        env["NOVEL_PYRAMID_INI"] = str(ini)
        env.pop("DATABASE_URL", None)  # the INI names the test database
        command = [
            sys.executable, "-m", "celery", "-A", "novel_pyramid.tasks.celery_app:app", "worker",
            "--loglevel", "INFO", "--concurrency", str(concurrency), "--hostname", f"test-{uuid.uuid4().hex[:8]}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def log(self):
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout=30):
        def ready():
            if self.process.poll() is not None:
                raise RuntimeError(f"The worker exited with {self.process.returncode}:\n{self.log()[-3000:]}")
            return " ready." in self.log()

        try:
            wait_for(ready, timeout, message="the worker to be ready")
        except (AssertionError, RuntimeError) as error:
            self.stop()
            unavailable(f"Celery worker did not start: {error}\n{self.log()[-3000:]}")
        return self

    def kill(self):
        """SIGKILL the whole worker at once: no warm shutdown, no acknowledgement."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


@pytest.fixture
def start_worker(worker_ini, tmp_path):
    """``start_worker(concurrency=2)``: a ready worker, stopped after the test."""
    yield from worker_starter(worker_ini, tmp_path)


def worker_starter(ini, log_dir):
    """Yield ``start(concurrency=2)``, which runs a ready worker from ``ini``; stop them all afterwards."""
    started = []

    def start(concurrency=2):
        worker = Worker(ini, log_dir / f"worker-{len(started)}.log", concurrency)
        started.append(worker)
        return worker.wait_ready()

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def headers(auth_headers):
    return auth_headers()


@pytest.fixture
def web(headers, make_app, broker, gemini):
    """The web app sending tasks to the test broker (made after sign-in, so its Celery settings are the last)."""
    return make_app(
        **{
            **COMMON_SETTINGS,
            **FAST_RECOVERY,
            "celery.broker_url": broker,
            "celery.task_always_eager": "false",
            "gemini.base_url": gemini.base_url,
            "jobs.sync_wait_seconds": "60",
        }
    )
