"""The current frontend's flow: the estimate of a ~300-page PDF, and the flow's overhead over the job itself.

Run by hand from the repository root::

    .venv/bin/python bench/frontend_flow.py [--words 102000] [--repeat 3] [--database-url URL]

The app runs in this process (WebTest), on a fresh SQLite database in a
temporary folder unless ``--database-url`` names another (it is migrated to
head), with the offline normaliser and tasks in-process, so the figures are
the server's own work, without a network or a broker. The book is the one
``bench/pipeline_offline.py`` typesets (cached under bench/results/).

Prints, as the best and median of ``--repeat`` runs:

- ``POST /estimate-pdf`` of the whole book (target: under 5 s);
- the whole flow, step by step (estimate, confirm, upload, poll, finalize,
  history detail), and the job's own run (``started_at`` to ``completed_at``);
  the flow's overhead is the flow's time less the job's run;
- the same book through the old single call (``POST /api/v2/jobs``), for comparison;
- the peak RSS of the process.
"""

import argparse
import os
import pathlib
import resource
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import webtest  # noqa: E402

from bench.pipeline import machine_row, report, the_book  # noqa: E402
from novel_pyramid import make_config  # noqa: E402
from novel_pyramid.config import load_settings  # noqa: E402
from novel_pyramid.db.migrate import upgrade_to_head  # noqa: E402
from novel_pyramid.jobs.models import Job  # noqa: E402

PREFERENCE = "speed"
LIMIT = 8


def make_app(database_url):
    settings = load_settings(
        {
            "environment": "testing",
            "database_url": database_url,
            "celery.task_always_eager": "true",
            "normalizer": "local",
            "auth.dev_login": "true",
            "ratelimit.enabled": "false",
            "jwt.secret_key": "bench-jwt-key-0123456789abcdefghijklmnop",
            "secret_key": "bench-secret-key",
            "log.level": "warning",
            "jobs.sync_wait_seconds": "600",
        },
        environ={},
    )
    return webtest.TestApp(make_config(settings).make_wsgi_app())


def sign_in(app, email):
    token = app.post_json("/api/v1/auth/dev-login", {"email": email}).json["access_token"]
    return {"Authorization": f"Bearer {token}"}


def timed(function):
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def one_flow(app, headers, upload):
    steps = {}
    steps["estimate"], estimate = timed(
        lambda: app.post("/api/v1/estimate-pdf", {"model_preference": PREFERENCE}, upload_files=upload, headers=headers)
    )
    body = {
        "estimated_credits": estimate.json["estimated_credits"],
        "model_preference": PREFERENCE,
        "processing_settings": {"sentence_length_limit": LIMIT, "gemini_model": PREFERENCE},
    }
    steps["confirm"], confirmed = timed(lambda: app.post_json("/api/v1/credits/jobs/confirm", body, headers=headers))
    job_id = confirmed.json["job_id"]
    form = {"job_id": str(job_id), "sentence_length_limit": str(LIMIT), "gemini_model": PREFERENCE}
    steps["upload (job runs in it)"], _ = timed(
        lambda: app.post("/api/v1/process-pdf-async", form, upload_files=upload, headers=headers, status=202)
    )
    steps["poll"], job = timed(lambda: app.get(f"/api/v1/credits/jobs/{job_id}", headers=headers))
    job = job.json
    if job["status"] != "completed":
        sys.exit(f"The job ended {job['status']}: {job.get('error_message')}")
    finalize = {"actual_tokens": 0, "success": True}
    steps["finalize"], _ = timed(
        lambda: app.post_json(f"/api/v1/credits/jobs/{job_id}/finalize", finalize, headers=headers)
    )
    entry_id = next(item["id"] for item in app.get("/api/v1/history", headers=headers).json if item["job_id"] == job_id)
    steps["history detail"], detail = timed(lambda: app.get(f"/api/v1/history/{entry_id}", headers=headers))
    job_run = job_run_seconds(app, job_id)
    return steps, job_run, len(detail.json["sentences"])


def job_run_seconds(app, job_id):
    """The job's own run, read from the database: the API rounds its timestamps to the second."""
    with app.app.registry["db.session_factory"]() as db:
        job = db.get(Job, job_id)
        return (job.finished_at - job.started_at).total_seconds()


def one_direct_job(app, headers, upload):
    seconds, created = timed(lambda: app.post("/api/v2/jobs", upload_files=upload, headers=headers, status=202))
    job = app.get(f"/api/v2/jobs/{created.json['id']}", headers=headers).json
    if job["status"] != "completed":
        sys.exit(f"The direct job ended {job['status']}: {job.get('error')}")
    return seconds


def best_and_median(values):
    return f"best {min(values):.3f} s, median {statistics.median(values):.3f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=102_000, help="size of the book (about 330 words a page)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary folder")
    options = parser.parse_args()

    book = the_book(options.words)
    upload = [("pdf_file", book.name, book.read_bytes())]
    database_url = options.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-flow-')}/bench.sqlite"
    upgrade_to_head(database_url)
    app = make_app(database_url)

    flows, directs = [], []
    for run in range(options.repeat):
        # A new user each run: every run reads and rewrites the book, none reuses another's chunks
        # (results are reused by content, so runs after the first reuse the rewritten chunks;
        # the job's own run is subtracted, so the overhead is comparable).
        flows.append(one_flow(app, sign_in(app, f"flow{run}@example.com"), upload))
        directs.append(one_direct_job(app, sign_in(app, f"direct{run}@example.com"), upload))

    step_names = list(flows[0][0])
    totals = [sum(steps.values()) for steps, _, _ in flows]
    job_runs = [job_run for _, job_run, _ in flows]
    overheads = [total - job_run for total, job_run in zip(totals, job_runs, strict=True)]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [
        machine_row(),
        ("book", f"{book.name}: {len(upload[0][2]) / 1e6:.2f} MB, {flows[0][2]} sentences out"),
        ("database", database_url.split("@")[-1]),
        *[(step, best_and_median([steps[step] for steps, _, _ in flows])) for step in step_names],
        ("job's own run", best_and_median(job_runs)),
        ("whole flow", best_and_median(totals)),
        ("flow overhead", best_and_median(overheads) + " (whole flow less the job's run)"),
        ("v2 single call", best_and_median(directs)),
        ("peak RSS", f"{peak_mb:.0f} MB"),
    ]
    figures = {
        "machine": {"cores": os.cpu_count(), "load_average": os.getloadavg()},
        "runs": options.repeat,
        "steps_seconds": {step: [round(steps[step], 4) for steps, _, _ in flows] for step in step_names},
        "job_run_seconds": [round(value, 4) for value in job_runs],
        "overhead_seconds": [round(value, 4) for value in overheads],
        "v2_single_call_seconds": [round(value, 4) for value in directs],
        "peak_rss_mb": round(peak_mb),
    }
    report("frontend-flow", rows, figures)


if __name__ == "__main__":
    main()
