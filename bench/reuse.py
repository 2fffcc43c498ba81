"""Reuse benchmark: the ~300-page novel uploaded twice through Redis, a real Celery worker and a fake Gemini.

Run by hand from the repository root::

    .venv/bin/python bench/reuse.py [--words 102000] [--concurrency 4] [--latency 2]

Starts its own redis-server, a fake Gemini in this process (answering after
``--latency`` seconds per call, counting every call) and ``celery worker``
on a SQLite database in a temporary folder, like ``bench/pipeline.py``. One
user uploads the book; once it has completed, a second user uploads the same
file at the same limit; its job copies the first one's chunks (the PDF is
not read again) and their results. Prints both end-to-end times and the
model calls of each, and saves them to ``bench/results/reuse-<time>.json``.

Target: the second upload completes in <= 3 s end to end with 0 model calls.
"""

import os
import pathlib
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pipeline import (  # noqa: E402
    API_KEY,
    machine_row,
    report,
    start_bench_worker,
    start_redis,
    stop_processes,
    the_book,
    upload_once,
    worker_bench_arguments,
)
from novel_pyramid import make_config  # noqa: E402
from novel_pyramid.config import load_settings  # noqa: E402
from novel_pyramid.jobs.models import JobStatus  # noqa: E402
from tests.fakes.gemini_server import FakeGemini  # noqa: E402

TARGET_SECONDS = 3.0


def main():
    options = worker_bench_arguments(__doc__.split("\n\n")[0])
    book = the_book(options.words)
    data = book.read_bytes()

    workdir = pathlib.Path(tempfile.mkdtemp(prefix="bench-reuse-"))
    gemini = FakeGemini(latency=options.latency, api_key=API_KEY).start()
    processes = []
    try:
        redis_port = start_redis(processes)
        ini_settings, worker, log_path = start_bench_worker(workdir, redis_port, gemini.base_url, options)
        processes.append(worker)
        registry = make_config(load_settings(ini_settings, {})).registry
        first = upload_once(registry, "first@example.com", data, book.name, gemini)
        second = upload_once(registry, "second@example.com", data, "a-copy.pdf", gemini)
    finally:
        stop_processes(processes)
        gemini.stop()

    for _, _, job in (first, second):
        if job.status != JobStatus.COMPLETED:
            sys.exit(f"A job ended {job.status}: {job.error_message}\n(worker log: {log_path})")
    met = second[0] <= TARGET_SECONDS and second[1] == 0
    figures = {
        "machine": {"cores": os.cpu_count(), "load_average": os.getloadavg()},
        "book": {"file": book.name, "bytes": len(data), "chunks": first[2].chunks_total},
        "worker": {"concurrency": options.concurrency, "pool": options.pool},
        "gemini_latency_seconds": options.latency,
        "first_upload": {"end_to_end_seconds": round(first[0], 2), "model_calls": first[1]},
        "second_upload": {"end_to_end_seconds": round(second[0], 2), "model_calls": second[1]},
        "second_upload_target": {"end_to_end_seconds": TARGET_SECONDS, "model_calls": 0, "met": met},
    }
    rows = [
        machine_row(),
        ("book", f"{book.name}: {len(data) / 1e6:.2f} MB, {first[2].chunks_total} chunks"),
        ("worker", f"celery worker --concurrency {options.concurrency} (pool {options.pool})"),
        ("first upload", f"{first[0]:.2f} s, {first[1]} model calls"),
        ("second upload", f"{second[0]:.2f} s, {second[1]} model calls "
                          f"(target <= {TARGET_SECONDS:.0f} s, 0 calls) {'OK' if met else 'MISSED'}"),
    ]  # fmt: skip
    report("reuse", rows, figures)


if __name__ == "__main__":
    main()
