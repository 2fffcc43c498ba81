"""Sentence pairs of a job (jobs.details.sentence_pairs) and the frontend's ChunkDetail, from rows written here."""

import datetime

import pytest

from novel_pyramid.accounts.models import User
from novel_pyramid.db.types import isoformat, utcnow
from novel_pyramid.jobs.details import chunk_pairs, sentence_pairs, v1_chunk_json, v2_chunk_json
from novel_pyramid.jobs.models import Job, JobChunk
from novel_pyramid.jobs.runner import MAX_CHUNK_ATTEMPTS


@pytest.fixture
def job(dbsession):
    user = User(email="lea@example.com", name="Léa", is_active=True, created_at=utcnow())
    dbsession.add(user)
    dbsession.flush()
    job = Job(user_id=user.id, status="completed", sentence_length_limit=8, normalizer="local")
    dbsession.add(job)
    dbsession.flush()
    return job


def add_chunk(dbsession, job, position, inputs, outputs, sources=None, **fields):
    chunk = JobChunk(
        job_id=job.id,
        position=position,
        status=fields.pop("status", "done"),
        input_sentences=inputs,
        output_sentences=outputs,
        output_sources=sources,
        **fields,
    )
    dbsession.add(chunk)
    dbsession.flush()
    return chunk


def pair(normalized, original):
    return {"normalized": normalized, "original": original}


def test_sources_pair_each_output_with_its_input_in_chunk_order(dbsession, job):
    # Written out of order: pairs follow the positions.
    add_chunk(dbsession, job, 1, ["C long.", "D."], ["C1.", "C2.", "D."], [0, 0, 1])
    add_chunk(dbsession, job, 0, ["A.", "B long."], ["A.", "B1.", "B2."], [0, 1, 1])
    dbsession.commit()

    assert sentence_pairs(dbsession, job.id) == [
        pair("A.", "A."),
        pair("B1.", "B long."),
        pair("B2.", "B long."),
        pair("C1.", "C long."),
        pair("C2.", "C long."),
        pair("D.", "D."),
    ]


def test_without_sources_equal_lengths_pair_one_to_one(dbsession, job):
    add_chunk(dbsession, job, 0, ["Un.", "Deux."], ["Un!", "Deux!"])
    assert sentence_pairs(dbsession, job.id) == [pair("Un!", "Un."), pair("Deux!", "Deux.")]


def test_without_sources_other_lengths_leave_the_original_empty(dbsession, job):
    add_chunk(dbsession, job, 0, ["Un long."], ["Un.", "Long."])
    assert sentence_pairs(dbsession, job.id) == [pair("Un.", ""), pair("Long.", "")]


@pytest.mark.parametrize(
    "sources",
    [
        [0],  # fewer sources than outputs
        [0, 1, 0],  # more
        [0, 2],  # an index past the inputs
        [0, -1],  # a negative index
        [0, "1"],  # not an integer
        [0, True],  # a boolean is not an index
        {"0": 0},  # not a list
    ],
)
def test_unusable_sources_fall_back(dbsession, job, sources):
    add_chunk(dbsession, job, 0, ["Un long.", "Deux."], ["Un.", "Long."], sources)
    # Two outputs for two inputs: one to one.
    assert sentence_pairs(dbsession, job.id) == [pair("Un.", "Un long."), pair("Long.", "Deux.")]


def test_chunks_without_output_add_nothing(dbsession, job):
    add_chunk(dbsession, job, 0, ["Un."], ["Un."], [0])
    add_chunk(dbsession, job, 1, ["Deux."], None, status="failed", error_code="upstream_error")
    add_chunk(dbsession, job, 2, ["Trois."], None, status="pending")
    add_chunk(dbsession, job, 3, ["Quatre."], ["Quatre."], [0])
    assert sentence_pairs(dbsession, job.id) == [pair("Un.", "Un."), pair("Quatre.", "Quatre.")]


def test_a_job_without_chunks_has_no_pairs(dbsession, job):
    assert sentence_pairs(dbsession, job.id) == []
    assert sentence_pairs(dbsession, "no-such-job") == []


def test_a_reused_result_pairs_like_a_rewritten_one(dbsession, job):
    # Chunks settled from a stored result carry its sources too.
    chunk = add_chunk(
        dbsession, job, 0, ["Il dormait encore, et rêvait."], ["Il dormait encore.", "Il rêvait."], [0, 0]
    )
    assert chunk_pairs(chunk) == [
        pair("Il dormait encore.", "Il dormait encore, et rêvait."),
        pair("Il rêvait.", "Il dormait encore, et rêvait."),
    ]


def test_the_frontend_chunk_detail(dbsession, job):
    job.started_at = datetime.datetime(2026, 3, 1, 10, 0, 0)
    settled = datetime.datetime(2026, 3, 1, 10, 0, 5)
    chunk = add_chunk(dbsession, job, 2, ["A."], ["A."], [0], start_page=3, end_page=5, attempts=1, settled_at=settled)
    body = v1_chunk_json(chunk, job)
    assert body == {
        "id": chunk.id,
        "job_id": job.id,
        "chunk_id": 2,
        "start_page": 2,
        "end_page": 4,
        "page_count": 3,
        "has_overlap": False,
        "status": "success",
        "attempts": 1,
        "max_retries": MAX_CHUNK_ATTEMPTS,
        "last_error": None,
        "last_error_code": None,
        "processed_at": "2026-03-01T10:00:05Z",
        "created_at": "2026-03-01T10:00:00Z",
        "updated_at": body["updated_at"],
    }
    assert body["updated_at"].endswith("Z")


@pytest.mark.parametrize(
    ("status", "shown", "error", "code"),
    [
        ("pending", "pending", None, None),
        ("processing", "processing", None, None),
        ("failed", "failed", "The rewriting service failed; try again later.", "upstream_error"),
        ("cancelled", "failed", "Cancelled by the user.", "cancelled"),
    ],
)
def test_chunk_statuses_in_the_frontends_words(dbsession, job, status, shown, error, code):
    fields = {"error_code": "upstream_error", "error_message": error} if status == "failed" else {}
    chunk = add_chunk(dbsession, job, 0, ["A."], None, status=status, **fields)
    body = v1_chunk_json(chunk, job)
    assert (body["status"], body["last_error"], body["last_error_code"]) == (shown, error, code)
    assert body["processed_at"] is None
    # Before the job starts, the chunks' creation reads as the job's.
    assert body["created_at"] == isoformat(job.created_at)


def test_pages_unknown_for_chunks_written_before_pages_were_kept(dbsession, job):
    chunk = add_chunk(dbsession, job, 0, ["A."], ["A."])
    body = v1_chunk_json(chunk, job)
    assert (body["start_page"], body["end_page"], body["page_count"]) == (None, None, None)


def test_the_v2_chunk_counts_pages_from_one(dbsession, job):
    chunk = add_chunk(dbsession, job, 0, ["A.", "B."], ["A.", "B."], [0, 1], start_page=1, end_page=2)
    body = v2_chunk_json(chunk)
    assert (body["position"], body["status"], body["first_page"], body["last_page"]) == (0, "done", 1, 2)
    assert (body["sentences_count"], body["max_attempts"], body["error"]) == (2, MAX_CHUNK_ATTEMPTS, None)
