"""A hung Redis under the production server: how fast uploads are refused, and whether probes and reads still pass.

Run by hand (see bench/README.md). Recreates the PostgreSQL database
``novel_bench_pause``, starts a private redis-server (cache, rate limits and
Celery broker, as one Redis is in production), serves production.ini with
granian (2 workers x 4 threads) and no Celery worker, then:

1. healthy: a few uploads (202, queued) and reads, for reference;
2. Redis paused with SIGSTOP for ``--pause`` seconds: twice as many concurrent
   uploads as request threads (v1 and v2), while liveness, history and
   readiness are each polled every 100 ms by a thread of their own (a client
   gives up after 120 s);
3. Redis resumed with SIGCONT: the time until an upload is accepted again.

Prints the figures and saves them to bench/results/redis-pause-<time>.json.
"""

import argparse
import datetime
import json
import os
import pathlib
import statistics
import subprocess
import sys
import threading
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api import server_command, start_process, stop_process, wait_for_port  # noqa: E402
from bench.api_data import recreate_database, seed  # noqa: E402
from tests.fakes import servers  # noqa: E402
from tests.fakes.pdfs import text_pdf  # noqa: E402

JWT_SECRET = "bench-jwt-secret-0123456789abcdefghijklmnop"
UPLOADS = {"v1": "/api/v1/process-pdf", "v2": "/api/v2/jobs"}
POLLED = {"liveness": "/api/v1/health/live", "history": "/api/v1/history?limit=50", "readiness": "/api/v1/health"}


class Timings:
    """(status, seconds) of each request of one kind, kept from several threads."""

    def __init__(self):
        self.samples = []
        self._lock = threading.Lock()

    def timed(self, call):
        status, elapsed = servers.timed_request(call)
        with self._lock:
            self.samples.append((status, elapsed))
        return status

    def summary(self):
        if not self.samples:
            return {}
        seconds = sorted(elapsed for _, elapsed in self.samples)
        statuses = {}
        for status, _ in self.samples:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
        return {
            "requests": len(seconds),
            "statuses": statuses,
            "p50_ms": round(statistics.median(seconds) * 1000, 1),
            "max_ms": round(seconds[-1] * 1000, 1),
        }


def upload(base, path, headers, pdf):
    # v1 answers at once with Prefer: respond-async; without a worker it would wait for its job.
    return requests.post(
        base + path,
        files={"pdf_file": ("roman.pdf", pdf)},
        headers={**headers, "Prefer": "respond-async"},
        timeout=120,
    )


def poll(base, path, headers, stop, timings):
    """GET ``path`` every 100 ms until ``stop``; one thread per path, so a hung one holds back no other."""
    while not stop.is_set():
        timings.timed(lambda: requests.get(base + path, headers=headers, timeout=120))
        time.sleep(0.1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/novel_bench_pause")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--pause", type=float, default=10.0, help="seconds Redis stays paused")
    args = parser.parse_args()

    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    engine = recreate_database(args.database_url)
    token = seed(engine, JWT_SECRET)["light"]
    headers = {"Authorization": f"Bearer {token}"}
    pdf = text_pdf()

    redis_server = servers.RedisServer().start()
    port = servers.free_port()
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": redis_server.url,
        "JWT_SECRET_KEY": JWT_SECRET,
        "SECRET_KEY": JWT_SECRET,
        "RATELIMIT_LIMITS": "process-pdf=100000/hour, default=100000000/hour",
        "PYTHONPATH": str(ROOT),
        "NOVEL_PYRAMID_INI": str(ROOT / "production.ini"),
    }
    server = start_process(
        server_command("granian", args.workers, args.threads, port), env, results_dir / "redis-pause-server.log"
    )
    base = f"http://127.0.0.1:{port}"
    figures = {"workers": args.workers, "threads": args.threads, "pause_seconds": args.pause}
    try:
        wait_for_port(port)
        healthy = {name: Timings() for name in ("uploads", *POLLED)}
        for _ in range(5):
            for path in UPLOADS.values():
                healthy["uploads"].timed(lambda path=path: upload(base, path, headers, pdf))
            for name, path in POLLED.items():
                healthy[name].timed(lambda path=path: requests.get(base + path, headers=headers, timeout=30))
        figures["healthy"] = {name: timings.summary() for name, timings in healthy.items()}

        paused = {name: Timings() for name in ("uploads", *POLLED)}
        stop = threading.Event()
        with redis_server.paused():
            paused_at = time.monotonic()
            pollers = [
                threading.Thread(target=poll, args=(base, path, headers, stop, paused[name]))
                for name, path in POLLED.items()
            ]
            for poller in pollers:
                poller.start()
            concurrent = 2 * args.workers * args.threads
            paths = [UPLOADS["v1"], UPLOADS["v2"]] * (concurrent // 2)
            uploaders = [
                threading.Thread(target=paused["uploads"].timed, args=(lambda p=p: upload(base, p, headers, pdf),))
                for p in paths
            ]
            for thread in uploaders:
                thread.start()
            for thread in uploaders:
                thread.join()
            figures["all_uploads_answered_after_s"] = round(time.monotonic() - paused_at, 2)
            time.sleep(max(0.0, args.pause - (time.monotonic() - paused_at)))
            stop.set()
            for poller in pollers:
                poller.join()
        resumed_at = time.monotonic()
        figures["paused"] = {name: timings.summary() for name, timings in paused.items()}
        figures["paused"]["concurrent_uploads"] = concurrent

        while upload(base, UPLOADS["v2"], headers, pdf).status_code != 202:
            time.sleep(0.1)
        figures["upload_accepted_again_after_resume_s"] = round(time.monotonic() - resumed_at, 2)
        while requests.get(base + POLLED["readiness"], timeout=30).json()["status"] != "healthy":
            time.sleep(0.1)
        figures["ready_again_after_resume_s"] = round(time.monotonic() - resumed_at, 2)
    finally:
        stop_process(server)
        redis_server.stop()
        engine.dispose()

    load = os.getloadavg()
    figures["load_average"] = [round(value, 2) for value in load]
    figures["revision"] = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    (results_dir / f"redis-pause-{stamp}.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
