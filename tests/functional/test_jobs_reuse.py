"""Reuse through the API: a book uploaded again at the same limit is neither read nor sent to Gemini again.

Tasks run in-process (eager); the gemini normaliser talks to a fake Gemini
that records every request, so "zero model calls" is counted, not assumed.
Whether an upload's PDF was read or its chunks copied from an earlier job is
seen in the data: the earlier job's stored text is changed first, and only a
copy carries the change.
"""

import pytest
from sqlalchemy import delete, func, select

from novel_pyramid.history.models import HistoryEntry
from novel_pyramid.jobs.models import ChunkResult, Job, JobChunk
from tests.fakes.gemini_server import http_error
from tests.fakes.pdfs import novel_paragraphs, text_pdf

JOBS = "/api/v2/jobs"
BOOK = text_pdf(novel_paragraphs(12))


@pytest.fixture
def app(auth_headers, make_app, gemini_settings):
    return make_app(**{**gemini_settings, "gemini.max_retries": "0"})


@pytest.fixture
def lea(auth_headers):
    return auth_headers("lea@example.com")


@pytest.fixture
def paul(auth_headers):
    return auth_headers("paul@example.com")


def upload(app, headers, limit=8, filename="roman.pdf", data=BOOK):
    fields = {"sentence_length_limit": str(limit)}
    job = app.post(JOBS, fields, upload_files=[("pdf_file", filename, data)], headers=headers, status=202).json
    if job["status"] != "completed":
        return job, None
    sentences = app.get(job["links"]["sentences"] + "?limit=1000", headers=headers).json["items"]
    return job, [item["text"] for item in sentences]


def test_a_book_uploaded_again_by_another_user_completes_with_zero_model_calls(app, gemini, dbsession, lea, paul):
    first, first_sentences = upload(app, lea)
    calls = len(gemini.requests)
    assert first["status"] == "completed" and calls > 1

    second, second_sentences = upload(app, paul, filename="autre-nom.pdf")

    assert len(gemini.requests) == calls
    assert second["status"] == "completed" and second["id"] != first["id"]
    assert second["progress"]["chunks_done"] == second["progress"]["chunks_total"] == first["progress"]["chunks_total"]
    assert second_sentences == first_sentences and second["sentences_count"] == first["sentences_count"]
    assert inputs(dbsession, second) == inputs(dbsession, first)
    # Each user still sees only their own job.
    app.get(f"{JOBS}/{first['id']}", headers=paul, status=404)


def test_another_limit_calls_the_model_again(app, gemini, lea, paul):
    upload(app, lea, limit=8)
    calls = len(gemini.requests)

    job, _ = upload(app, paul, limit=6)

    assert job["status"] == "completed" and len(gemini.requests) > calls


def test_a_failed_chunk_is_not_reused(app, gemini, dbsession, lea, paul):
    gemini.script(http_error(403, "Permission denied on the model."))
    failed, _ = upload(app, lea)
    assert failed["status"] == "failed" and failed["progress"]["chunks_failed"] == 1
    stored = dbsession.scalar(select(func.count()).select_from(ChunkResult))
    assert stored == failed["progress"]["chunks_done"]
    calls = len(gemini.requests)

    second, _ = upload(app, paul)

    # Only the chunk that failed is sent again; the others come from the store.
    assert second["status"] == "completed" and len(gemini.requests) == calls + 1


# Reuse of the extraction

MARKED = ["Ce texte ne vient que de la base de données."]


def inputs(dbsession, job):
    dbsession.expire_all()
    return dbsession.scalars(
        select(JobChunk.input_sentences).where(JobChunk.job_id == job["id"]).order_by(JobChunk.position)
    ).all()


def mark_first_chunk(dbsession, job):
    """Change the job's first stored chunk text: a later job holding it copied the chunks rather than read the PDF."""
    dbsession.execute(
        JobChunk.__table__.update()
        .where(JobChunk.job_id == job["id"], JobChunk.position == 0)
        .values(input_sentences=MARKED)
    )
    dbsession.commit()


def test_the_same_bytes_uploaded_by_another_user_are_copied_not_read(app, gemini, dbsession, lea, paul):
    first, _ = upload(app, lea)
    expected = inputs(dbsession, first)
    mark_first_chunk(dbsession, first)
    calls = len(gemini.requests)

    second, sentences = upload(app, paul, filename="autre-nom.pdf")

    assert inputs(dbsession, second) == [MARKED, *expected[1:]]
    # The changed chunk is the only new text, so the only model call.
    assert second["status"] == "completed" and len(gemini.requests) == calls + 1
    assert second["progress"]["chunks_total"] == first["progress"]["chunks_total"] > 1
    assert len(sentences) == second["sentences_count"]


@pytest.mark.parametrize(
    ("data", "settings", "new_text"),
    [
        # The same text in other bytes: read again, but every result is reused.
        (BOOK + b"% another copy\n", {}, False),
        ({"pipeline.chunk_max_words": "60"}, None, True),
        ({"pipeline.max_pages": "1999"}, None, False),
    ],
    ids=["other-bytes", "other-chunk-size", "other-page-limit"],
)
def test_other_bytes_or_other_extraction_settings_are_read_again(
    make_app, gemini_settings, gemini, dbsession, lea, paul, data, settings, new_text
):
    if settings is None:
        data, settings = BOOK, data
    app = make_app(**{**gemini_settings, "gemini.max_retries": "0"})
    first, _ = upload(app, lea)
    expected = inputs(dbsession, first)
    mark_first_chunk(dbsession, first)
    calls = len(gemini.requests)

    # Eager tasks run with the settings of the app that takes the upload.
    other_app = make_app(**{**gemini_settings, "gemini.max_retries": "0", **settings})
    second, _ = upload(other_app, paul, data=data)

    assert second["status"] == "completed"
    assert MARKED not in inputs(dbsession, second)
    assert (len(gemini.requests) > calls) is new_text
    if not new_text:
        assert inputs(dbsession, second) == expected


def delete_job(app, dbsession, job, headers):
    app.delete(f"{JOBS}/{job['id']}", headers=headers, status=204)


def delete_a_chunk(app, dbsession, job, headers):
    dbsession.execute(delete(JobChunk).where(JobChunk.job_id == job["id"], JobChunk.position == 1))
    dbsession.commit()


@pytest.mark.parametrize("remove", [delete_job, delete_a_chunk])
def test_a_source_deleted_or_incomplete_means_reading_the_pdf(app, gemini, dbsession, lea, paul, remove):
    first, first_sentences = upload(app, lea)
    expected = inputs(dbsession, first)
    mark_first_chunk(dbsession, first)
    remove(app, dbsession, first, lea)
    calls = len(gemini.requests)

    second, sentences = upload(app, paul)

    assert inputs(dbsession, second) == expected
    # Results are kept by content, whoever's job they came from.
    assert second["status"] == "completed" and len(gemini.requests) == calls
    assert sentences == first_sentences


def test_deleting_the_source_history_entry_changes_nothing(app, gemini, dbsession, lea, paul):
    first, _ = upload(app, lea)
    mark_first_chunk(dbsession, first)
    (entry,) = app.get("/api/v1/history", headers=lea).json
    app.delete(f"/api/v1/history/{entry['id']}", headers=lea, status=200)

    second, _ = upload(app, paul)

    assert second["status"] == "completed" and inputs(dbsession, second)[0] == MARKED
    assert app.get("/api/v1/history", headers=lea).json == []


def test_nothing_but_the_text_crosses_from_one_users_job_to_anothers(app, gemini, dbsession, lea, paul):
    gemini.script(http_error(403, "Permission denied on the model."))
    failed, _ = upload(app, lea, filename="le-livre-de-lea.pdf")
    assert failed["status"] == "failed" and failed["progress"]["chunks_failed"] == 1
    calls = len(gemini.requests)

    second, sentences = upload(app, paul, filename="celui-de-paul.pdf")

    # The chunk Lea's job failed on is rewritten for Paul; its failure is not his.
    assert second["status"] == "completed" and len(gemini.requests) == calls + 1
    assert (second["original_filename"], second["error"]) == ("celui-de-paul.pdf", None)
    assert "extraction_digest" not in second
    dbsession.expire_all()
    paul_job = dbsession.get(Job, second["id"])
    lea_job = dbsession.get(Job, failed["id"])
    assert paul_job.user_id != lea_job.user_id
    assert [(c.status, c.error_message, c.attempts <= 1) for c in paul_job.chunks] == [("done", None, True)] * len(
        paul_job.chunks
    )
    assert [c.input_sentences for c in paul_job.chunks] == [c.input_sentences for c in lea_job.chunks]
    entries = dbsession.scalars(select(HistoryEntry).where(HistoryEntry.user_id == paul_job.user_id)).all()
    assert [(e.job_id, e.original_filename, e.error_message) for e in entries] == [
        (second["id"], "celui-de-paul.pdf", None)
    ]
    assert sentences and len(sentences) == second["sentences_count"]
    app.get(f"{JOBS}/{failed['id']}", headers=paul, status=404)
