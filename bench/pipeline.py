"""End-to-end benchmark: a ~300-page novel through Redis, a real Celery worker and a fake Gemini.

Run by hand from the repository root::

    .venv/bin/python bench/pipeline.py [--words 102000] [--concurrency 4] [--latency 2]

It reuses the book typeset by ``bench/pipeline_offline.py`` (typesetting it
first if needed), times the extraction alone, then starts its own
redis-server, a fake Gemini answering after ``--latency`` seconds per call
(``tests.fakes.gemini_server``) and ``celery worker --concurrency N`` reading an
INI file written to a temporary folder (SQLite database there too), submits
the book as a job and waits for it to complete. It prints a table and saves
the figures to ``bench/results/pipeline-<time>.json``.

Targets: end-to-end <= (chunks / N) x latency x 1.2 + 5 s; worker peak RSS
<= 400 MB (the worker's whole process tree, sampled every 0.1 s).
"""

import argparse
import io
import json
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import threading
import time
import types

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine  # noqa: E402

from novel_pyramid import make_config  # noqa: E402
from novel_pyramid.accounts.models import User  # noqa: E402
from novel_pyramid.config import load_settings  # noqa: E402
from novel_pyramid.db import own_transaction  # noqa: E402
from novel_pyramid.db.types import utcnow  # noqa: E402
from novel_pyramid.jobs.interfaces import IJobService  # noqa: E402
from novel_pyramid.jobs.models import JobStatus  # noqa: E402
from novel_pyramid.models import ModelBase  # noqa: E402
from novel_pyramid.pipeline.chunking import chunk_sentences  # noqa: E402
from novel_pyramid.pipeline.extract import iter_paragraphs  # noqa: E402
from novel_pyramid.pipeline.sentences import split_sentences  # noqa: E402
from novel_pyramid.tasks import blank_request  # noqa: E402
from tests.fakes.servers import RedisServer, free_port  # noqa: E402

RESULTS = ROOT / "bench" / "results"
API_KEY = "bench-key"


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"Timed out waiting for {what}")
        time.sleep(0.05)


def port_open(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def the_book(words):
    book = RESULTS / f"novel-{words}w.pdf"
    if not book.exists():
        RESULTS.mkdir(parents=True, exist_ok=True)
        offline = ROOT / "bench" / "pipeline_offline.py"
        subprocess.run([sys.executable, str(offline), "--words", str(words), "--typeset-only", str(book)], check=True)
    return book


def process_tree_rss_kib(pid):
    """Resident memory of ``pid`` and all its descendants, in KiB (Linux /proc)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = pathlib.Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
            for task in pathlib.Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


class PeakSampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.stopped = pid, 0, threading.Event()

    def run(self):
        while not self.stopped.wait(0.1):
            self.peak_kib = max(self.peak_kib, process_tree_rss_kib(self.pid))


def start_worker(workdir, ini_settings, concurrency, pool):
    """A real ``celery worker`` reading ``ini_settings`` from an INI file; returns (process, its log path)."""
    ini = workdir / "bench.ini"
    ini.write_text("[app:main]\nuse = egg:novel_pyramid\n" + "".join(f"{k} = {v}\n" for k, v in ini_settings.items()))
    log_path = workdir / "worker.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "REDIS_", "GEMINI_"))}
    env.update(NOVEL_PYRAMID_INI=str(ini), LOG_LEVEL="info")
    env.pop("DATABASE_URL", None)
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "novel_pyramid.tasks.celery_app:app", "worker",
             "--concurrency", str(concurrency), "--loglevel", "INFO", "--pool", pool,
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    wait_until(lambda: " ready." in log_path.read_text(errors="replace"), 60, "the worker")
    return worker, log_path


def upload_once(registry, email, data, filename, gemini=None, limit=8):
    """Submit the book as a new user's job and wait for it: (seconds end to end, model calls or None, job)."""
    with own_transaction(registry["db.session_factory"]) as (_, db):
        user = User(email=email, name=email, is_active=True, created_at=utcnow())
        db.add(user)
        db.flush()
        user_id = user.id
    submitter = blank_request(registry).find_service(IJobService)
    calls_before = len(gemini.requests) if gemini else None
    started = time.perf_counter()
    job = submitter.submit(user_id, types.SimpleNamespace(file=io.BytesIO(data), filename=filename), limit)
    job = submitter.wait_until_finished(job.id, timeout=900)
    seconds = time.perf_counter() - started
    return seconds, (len(gemini.requests) - calls_before if gemini else None), job


def worker_bench_arguments(description):
    """The options shared by the benchmarks that drive a real worker against a fake Gemini."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--words", type=int, default=102_000, help="size of the book (about 330 words a page)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--latency", type=float, default=2.0, help="seconds the fake Gemini takes per call")
    parser.add_argument("--pool", default="threads", choices=("threads", "prefork"))
    return parser.parse_args()


def start_redis(processes):
    """A private redis-server that keeps nothing on disk, answering already, appended to ``processes``; its port."""
    if not RedisServer.installed():
        sys.exit("redis-server is not installed")
    server = RedisServer().start()
    processes.append(server.process)
    return server.port


def start_bench_worker(workdir, redis_port, gemini_base_url, options):
    """Create the SQLite database and start the worker: (its settings, the process, its log path)."""
    ini_settings = {
        "environment": "testing",
        "database_url": f"sqlite:///{workdir / 'bench.sqlite'}",
        "redis_url": f"redis://127.0.0.1:{redis_port}/0",
        "normalizer": "gemini",
        "gemini.api_key": API_KEY,
        "gemini.base_url": gemini_base_url,
        "celery.worker_pool": options.pool,
        "log.level": "warning",
    }
    ModelBase.metadata.create_all(create_engine(ini_settings["database_url"]))
    worker, log_path = start_worker(workdir, ini_settings, options.concurrency, options.pool)
    return ini_settings, worker, log_path


def stop_processes(processes):
    for process in reversed(processes):
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def main():
    options = worker_bench_arguments(__doc__.split("\n\n")[0])

    book = the_book(options.words)
    data = book.read_bytes()
    chunk_max_words = 1200  # the setting's default
    started = time.perf_counter()
    chunks = list(chunk_sentences(split_sentences(iter_paragraphs(io.BytesIO(data))), max_words=chunk_max_words))
    extraction_seconds = time.perf_counter() - started

    workdir = pathlib.Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    processes = []
    try:
        redis_port, gemini_port = start_redis(processes), free_port()
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.fakes.gemini_server",
                    "--port",
                    str(gemini_port),
                    "--latency",
                    str(options.latency),
                    "--api-key",
                    API_KEY,
                ],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
            )
        )
        wait_until(lambda: port_open(gemini_port), 15, "the fake Gemini")

        ini_settings, worker, log_path = start_bench_worker(
            workdir, redis_port, f"http://127.0.0.1:{gemini_port}", options
        )
        processes.append(worker)
        sampler = PeakSampler(worker.pid)
        sampler.start()
        idle_rss_mb = process_tree_rss_kib(worker.pid) / 1024

        registry = make_config(load_settings(ini_settings, {})).registry
        end_to_end_seconds, _, job = upload_once(registry, "bench@example.com", data, book.name)
        sampler.stopped.set()
        sampler.join()
    finally:
        stop_processes(processes)

    if job.status != JobStatus.COMPLETED:
        sys.exit(f"The job ended {job.status}: {job.error_message}\n(worker log: {log_path})")
    target_seconds = len(chunks) / options.concurrency * options.latency * 1.2 + 5
    peak_rss_mb = sampler.peak_kib / 1024
    figures = {
        "machine": {"cores": os.cpu_count(), "load_average": os.getloadavg()},
        "book": {"file": book.name, "bytes": len(data), "pages": _pages(data)},
        "extraction_seconds": round(extraction_seconds, 2),
        "chunks": len(chunks),
        "chunk_max_words": chunk_max_words,
        "job_chunks": job.chunks_total,
        "sentences": job.sentences_count,
        "worker": {"concurrency": options.concurrency, "pool": options.pool},
        "gemini_latency_seconds": options.latency,
        "end_to_end_seconds": round(end_to_end_seconds, 2),
        "end_to_end_target_seconds": round(target_seconds, 2),
        "worker_idle_rss_mb": round(idle_rss_mb, 1),
        "worker_peak_rss_mb": round(peak_rss_mb, 1),
        "worker_peak_rss_target_mb": 400,
    }
    rows = [
        machine_row(),
        ("book", f"{book.name}: {len(data) / 1e6:.2f} MB, {figures['book']['pages']} pages"),
        ("extraction", f"{extraction_seconds:.2f} s (in this process, alone)"),
        ("chunks", f"{len(chunks)} of <= {chunk_max_words} words; sentences out: {job.sentences_count}"),
        ("worker", f"celery worker --concurrency {options.concurrency} (pool {options.pool})"),
        ("end to end", f"{end_to_end_seconds:.1f} s (target <= {target_seconds:.1f} s) "
                       f"{'OK' if end_to_end_seconds <= target_seconds else 'MISSED'}"),
        ("worker peak RSS", f"{peak_rss_mb:.0f} MB (idle {idle_rss_mb:.0f} MB; target <= 400 MB) "
                            f"{'OK' if peak_rss_mb <= 400 else 'MISSED'}"),
    ]  # fmt: skip
    report("pipeline", rows, figures)


def machine_row():
    return "machine", f"{os.cpu_count()} cores, load {', '.join(f'{v:.1f}' for v in os.getloadavg())}"


def report(name, rows, figures):
    """Print ``rows`` as a table, and save ``figures`` as bench/results/<name>-<time>.json."""
    for label, value in rows:
        print(f"{label:<18} {value}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    output = RESULTS / f"{name}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    output.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"saved              {output.relative_to(ROOT)}")


def _pages(data):
    from novel_pyramid.pipeline.extract import inspect_pdf

    return inspect_pdf(io.BytesIO(data))


if __name__ == "__main__":
    main()
