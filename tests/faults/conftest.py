"""Fault tests run their own PostgreSQL, Redis and worker processes, so stopping them harms no one else."""

import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

from tests.fakes.servers import free_port, unavailable, wait_for_port
from tests.worker import conftest as worker_fixtures

# The fake Gemini and sign-in fixtures of the worker tests, shared rather than copied.
gemini_server = worker_fixtures.gemini_server
gemini = worker_fixtures.gemini
login = worker_fixtures.login
auth_headers = worker_fixtures.auth_headers


def _postgres_bin():
    candidates = sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return candidates[-1].parent if candidates else None


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a free port, run as the postgres user."""

    def __init__(self, root):
        self.bin = _postgres_bin()
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self):
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args):
        subprocess.run([*self.as_postgres, *args], check=True, capture_output=True, timeout=60)

    def init(self):
        self.root.mkdir(parents=True, exist_ok=True)
        if self.as_postgres:
            shutil.chown(self.root, "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        return self

    def start(self):
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", "-l", str(self.root / "log"), "start"
        )
        wait_for_port(self.port)

    def stop(self):
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")


@pytest.fixture
def private_postgres():
    if _postgres_bin() is None:
        unavailable("PostgreSQL server binaries are not installed")
    # Not under pytest's tmp_path: the postgres user cannot enter root's private folders.
    root = pathlib.Path(tempfile.mkdtemp(prefix="novel-pg-"))
    root.chmod(0o755)
    server = PrivatePostgres(root / "cluster").init()
    server.start()
    yield server
    try:
        server.stop()
    except subprocess.CalledProcessError:
        pass
    shutil.rmtree(root, ignore_errors=True)
