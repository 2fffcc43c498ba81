"""Multiprocess mode: forked processes write their own files, one scrape adds them up, the dead's live gauges go.

Each test runs in a fresh interpreter: switching modes changes process-wide
state of prometheus_client that the rest of the test run must not inherit.
"""

import os
import subprocess
import sys
import textwrap

from tests.scrapes import value

PARENT = textwrap.dedent(
    """
    import os, sys, time
    from novel_pyramid.metrics import multiprocess, record
    from novel_pyramid.metrics.exposition import render

    # As in a server runner: the parent loaded the application (and recorded) before it switches.
    record.count_rate_limit_refusal("before-the-switch")
    multiprocess.enter(sys.argv[1])

    def child(requests, then):
        pid = os.fork()
        if pid == 0:
            for _ in range(requests):
                record.observe_request("v1.health.live", "GET", 200, 0.01)
            record.realtime_client_connected()
            then()
            os._exit(0)
        return pid

    read, write = os.pipe()
    finished = child(3, lambda: None)
    os.waitpid(finished, 0)
    alive = child(4, lambda: (os.write(write, b"x"), time.sleep(60)))
    os.read(read, 1)
    sys.stdout.write(render(None)[0].decode())
    sys.stdout.write("\\n#--\\n")
    os.kill(alive, 9)
    os.waitpid(alive, 0)
    sys.stdout.write(render(None)[0].decode())
    """
)


def run(directory):
    result = subprocess.run(
        [sys.executable, "-c", PARENT, str(directory)], capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.split("#--\n")


def test_the_counts_of_forked_processes_add_up_in_one_scrape(tmp_path):
    while_alive, after_kill = run(tmp_path / "metrics")

    route = {"route": "v1.health.live"}
    assert value(while_alive, "novel_pyramid_http_requests_total", **route, method="GET", status="200") == 7
    assert value(while_alive, "novel_pyramid_http_request_duration_seconds_count", **route) == 7
    # What the parent recorded before the switch was in its memory, not in the directory.
    assert value(while_alive, "novel_pyramid_ratelimit_refusals_total", bucket="before-the-switch") == 0
    # Only the live process's client is connected; once it is killed, none.
    assert value(while_alive, "novel_pyramid_realtime_connected_clients") == 1
    assert value(after_kill, "novel_pyramid_realtime_connected_clients") == 0
    # A dead process's counters still count.
    assert value(after_kill, "novel_pyramid_http_requests_total", **route, method="GET", status="200") == 7


def test_entering_empties_the_directory_of_an_earlier_run(tmp_path):
    directory = tmp_path / "metrics"
    run(directory)
    assert any(name.startswith("counter_") for name in os.listdir(directory))

    while_alive, _ = run(directory)

    assert (
        value(while_alive, "novel_pyramid_http_requests_total", route="v1.health.live", method="GET", status="200") == 7
    )
