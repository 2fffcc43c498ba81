"""``pserve`` with granian and ``metrics.port``: two worker processes, one scrape that adds up both of them.

The parent of the workers answers ``/metrics`` on the metrics port; the public
port does not, and the metrics port answers nothing else.
"""

import concurrent.futures
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.fakes.servers import free_port, wait_for_port
from tests.scrapes import value

INI = """\
[app:main]
use = egg:novel_pyramid
environment = testing
database_url = {database_url}
jwt.secret_key = test-jwt-key-0123456789abcdefghijklmnop
secret_key = test-secret-key
log.format = json
metrics.host = 127.0.0.1
metrics.port = {metrics_port}
metrics.multiproc_dir = {directory}
{extra}

[server:main]
use = egg:novel_pyramid#{runner}
host = 127.0.0.1
port = {port}
workers = {workers}
"""

LIVE = "/api/v1/health/live"
# Enough requests that both workers serve some, however the kernel spreads the connections.
MAX_REQUESTS = 2000


@pytest.fixture
def served(tmp_path, database_url, engine):
    """``start(runner, workers)``: pserve on free ports; ``(public URL, metrics URL, directory)``."""
    processes = []

    def start(runner="granian", workers=2, **settings):
        port, metrics_port = free_port(), free_port()
        directory = tmp_path / f"metrics-{port}"
        extra = "\n".join(f"{key} = {value}" for key, value in settings.items())
        ini = tmp_path / f"served-{port}.ini"
        ini.write_text(
            INI.format(
                database_url=database_url,
                port=port,
                metrics_port=metrics_port,
                directory=directory,
                runner=runner,
                workers=workers,
                extra=extra,
            )
        )
        pserve = Path(sys.executable).parent / "pserve"
        process = subprocess.Popen([str(pserve), str(ini)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        processes.append(process)
        wait_for_port(port, timeout=60)
        wait_for_port(metrics_port, timeout=10)
        return f"http://127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}", directory

    yield start
    for process in processes:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        assert process.returncode == 0, output


def get(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def status_of(url):
    try:
        return get(url)[0]
    except urllib.error.HTTPError as error:
        return error.code


def request_writers(directory):
    """The pids whose counter files are in the directory: the processes that counted something."""
    return {name.rpartition("_")[2] for name in os.listdir(directory) if name.startswith("counter_")}


def test_two_workers_counts_add_up_in_one_scrape(served):
    public, metrics, directory = served(workers=2)
    sent = 0
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        # Each request on a connection of its own, so both workers take some.
        while sent < MAX_REQUESTS and len(request_writers(directory)) < 2:
            statuses = list(pool.map(lambda _: status_of(public + LIVE), range(40)))
            assert statuses == [200] * 40
            sent += 40
    assert len(request_writers(directory)) == 2, f"one worker served all {sent} requests"

    status, body = get(metrics + "/metrics")

    assert status == 200
    count = value(body, "novel_pyramid_http_requests_total", route="v1.health.live", method="GET", status="200")
    assert count == sent
    assert value(body, "novel_pyramid_http_request_duration_seconds_count", route="v1.health.live") == sent


def test_the_public_port_does_not_serve_metrics_and_the_metrics_port_serves_nothing_else(served):
    public, metrics, _ = served(workers=1)

    assert status_of(public + "/metrics") == 404
    assert status_of(metrics + LIVE) == 404
    assert status_of(metrics + "/metrics") == 200


def test_the_realtime_process_serves_its_metrics_too(served):
    public, metrics, _ = served(runner="realtime", workers=1, **{"novel_pyramid.includes": "novel_pyramid.realtime"})

    assert status_of(public + LIVE) == 200
    _, body = get(metrics + "/metrics")

    assert value(body, "novel_pyramid_http_requests_total", route="v1.health.live", method="GET", status="200") == 1
    assert value(body, "novel_pyramid_realtime_connected_clients") == 0
