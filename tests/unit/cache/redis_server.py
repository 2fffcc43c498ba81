"""A private redis-server for the cache tests: its own port, never the shared one, stoppable."""

import shutil
import socket
import subprocess
import time

import pytest
import redis


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("the private redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def flush(self):
        redis.Redis.from_url(self.url).flushdb()


@pytest.fixture(scope="session")
def private_redis():
    server = PrivateRedis().start()
    yield server
    server.stop()


@pytest.fixture
def stoppable_redis():
    """A redis-server of this test alone, so stopping it affects nobody else."""
    server = PrivateRedis().start()
    yield server
    server.stop()
