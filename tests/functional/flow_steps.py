"""The current frontend's processing flow, step by step, as its client (``frontend/src/lib/api.ts``) calls it.

Shared by the flow's functional test (in-process tasks) and its worker test
(PostgreSQL, Redis and a real Celery worker), so both walk the same steps and
check the same things.
"""

import re
import time

from novel_pyramid.pipeline.words import count_words

LIMIT = 8
PREFERENCE = "speed"
# What the frontend's advanced options send (page.tsx): form fields are strings.
OPTIONS = {
    "ignore_dialogue": False,
    "preserve_formatting": True,
    "fix_hyphenation": True,
    "min_sentence_length": 2,
}


def markers(texts):
    return [int(found) for text in texts for found in re.findall(r"marqueur(\d+)", text)]


def balance(app, headers):
    return app.get("/api/v1/credits/me", headers=headers).json["balance"]


def estimate(app, headers, upload):
    return app.post("/api/v1/estimate-pdf", {"model_preference": PREFERENCE}, upload_files=upload, headers=headers).json


def confirm(app, headers, estimated, filename):
    settings = {
        "original_filename": filename,
        "estimated_tokens": estimated["estimated_tokens"],
        "sentence_length_limit": LIMIT,
        "gemini_model": PREFERENCE,
        **OPTIONS,
    }
    body = {
        "estimated_credits": estimated["estimated_credits"],
        "model_preference": estimated["model_preference"],
        "processing_settings": settings,
    }
    return app.post_json("/api/v1/credits/jobs/confirm", body, headers=headers).json


def start(app, headers, job_id, upload):
    form = {
        "job_id": str(job_id),
        "sentence_length_limit": str(LIMIT),
        "gemini_model": PREFERENCE,
        **{name: str(value).lower() for name, value in OPTIONS.items()},
    }
    return app.post("/api/v1/process-pdf-async", form, upload_files=upload, headers=headers, status=202).json


def poll(app, headers, job_id, timeout=60):
    """Read the job as the frontend's polling hook does, until it has ended."""
    deadline = time.monotonic() + timeout
    while True:
        job = app.get(f"/api/v1/credits/jobs/{job_id}", headers=headers).json
        if job["status"] in ("completed", "failed", "cancelled"):
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']} after {timeout}s"
        time.sleep(0.2)


def walk_the_flow(app, headers, upload, paragraphs):
    """Estimate, confirm, start, poll, finalize, read the history detail; the figures each step gave."""
    before = balance(app, headers)
    estimated = estimate(app, headers, upload)
    assert estimated["estimated_credits"] > 0 and estimated["capped"] is False
    assert estimated["model_preference"] == PREFERENCE

    confirmed = confirm(app, headers, estimated, upload[0][1])
    job_id = confirmed["job_id"]
    assert confirmed["reserved"] is True and confirmed["estimated_credits"] == estimated["estimated_credits"]
    assert balance(app, headers) == before - estimated["estimated_credits"]

    started = start(app, headers, job_id, upload)
    assert started["job_id"] == job_id and started["task_id"]

    job = poll(app, headers, job_id)
    assert job["status"] == "completed", job
    assert job["progress_percent"] == 100 and job["total_chunks"] > 1
    assert job["processed_chunks"] == job["total_chunks"] and job["failed_chunks"] == []
    assert job["actual_tokens"] > 0 and job["processing_settings"]["sentence_length_limit"] == LIMIT

    # The client's own token count is ignored: the server settled from what the worker used.
    finalized = app.post_json(
        f"/api/v1/credits/jobs/{job_id}/finalize", {"actual_tokens": 1, "success": True}, headers=headers
    ).json
    assert finalized["actual_credits"] == job["actual_credits"] > 0
    again = app.post_json(
        f"/api/v1/credits/jobs/{job_id}/finalize", {"actual_tokens": 10**9, "success": True}, headers=headers
    ).json
    assert again == finalized
    assert balance(app, headers) == before - finalized["actual_credits"]
    reasons = [
        entry["reason"]
        for entry in app.get("/api/v1/credits/ledger", headers=headers).json
        if entry["job_id"] == job_id
    ]
    assert reasons[-1] == "job_reserve" and set(reasons) <= {"job_reserve", "job_final"}

    (entry,) = [item for item in app.get("/api/v1/history", headers=headers).json if item["job_id"] == job_id]
    assert entry["settings"]["sentence_length"] == LIMIT and entry["error_code"] is None
    detail = app.get(f"/api/v1/history/{entry['id']}", headers=headers).json
    pairs = detail["sentences"]
    assert len(pairs) == entry["processed_sentences_count"] > 0
    assert all(count_words(pair["normalized"]) <= LIMIT for pair in pairs)
    assert sorted(set(markers(pair["normalized"] for pair in pairs))) == list(range(paragraphs))
    # Each sentence is paired with the one of the book it came from.
    assert all(markers([pair["normalized"]]) in ([], markers([pair["original"]])) for pair in pairs)
    assert detail["chunk_ids"] == [chunk["id"] for chunk in detail["chunks"]]
    # The frontend counts pages from 0 (it shows start_page + 1).
    assert all(chunk["status"] == "success" and chunk["start_page"] >= 0 for chunk in detail["chunks"])
    return {"job": job, "finalized": finalized, "entry": entry, "detail": detail}
