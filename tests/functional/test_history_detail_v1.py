"""v1 history detail (the frontend's history dialog): GET /history/{id}, /chunks, /refresh, /retry, /duplicate.

Jobs are made through the existing flow (POST /process-pdf, tasks in-process);
the states a flow cannot reach on demand (an extraction that failed, a job
still running) are rows written here.
"""

import pytest
from sqlalchemy import func, select

from novel_pyramid.accounts.models import User
from novel_pyramid.history.models import HistoryEntry
from novel_pyramid.jobs.models import Job, JobChunk, JobStatus
from novel_pyramid.jobs.runner import MAX_CHUNK_ATTEMPTS
from tests.factories import finished_job
from tests.fakes.gemini_server import http_error
from tests.fakes.pdfs import text_pdf
from tests.functional.conftest import SMALL_CHUNKS

PROCESS = "/api/v1/process-pdf"
ENTRY_FIELDS = {
    "id",
    "timestamp",
    "original_filename",
    "processed_sentences_count",
    "spreadsheet_url",
    "error_message",
    "job_id",
    "error_code",
    "failed_step",
    "settings",
}
CHUNK_FIELDS = {
    "id",
    "job_id",
    "chunk_id",
    "start_page",
    "end_page",
    "page_count",
    "has_overlap",
    "status",
    "attempts",
    "max_retries",
    "last_error",
    "last_error_code",
    "processed_at",
    "created_at",
    "updated_at",
}


@pytest.fixture
def app(headers, make_app):
    return make_app(**SMALL_CHUNKS)


def process(app, headers, name="roman.pdf", status=200):
    return app.post(PROCESS, upload_files=[("pdf_file", name, text_pdf())], headers=headers, status=status)


def only_entry(dbsession):
    dbsession.expire_all()
    return dbsession.scalars(select(HistoryEntry)).one()


def url(entry_id, action=""):
    return f"/api/v1/history/{entry_id}" + (f"/{action}" if action else "")


def counts(dbsession):
    dbsession.expire_all()
    return {
        model.__tablename__: dbsession.scalar(select(func.count()).select_from(model))
        for model in (Job, JobChunk, HistoryEntry)
    }


def test_the_list_carries_the_job_its_settings_and_no_failure(app, headers, dbsession):
    process(app, headers)
    job = dbsession.scalars(select(Job)).one()

    (listed,) = app.get("/api/v1/history", headers=headers).json

    assert set(listed) == ENTRY_FIELDS
    assert (listed["job_id"], listed["error_code"], listed["failed_step"]) == (job.id, None, None)
    assert listed["settings"]["sentence_length"] == job.sentence_length_limit
    assert listed["settings"]["sentence_length_limit"] == job.sentence_length_limit
    # The job's other options (the defaults, here), under advanced_options.
    options = {
        name: value
        for name, value in (job.processing_settings or {}).items()
        if name not in ("sentence_length_limit", "gemini_model")
    }
    assert listed["settings"]["advanced_options"] == options


def test_the_detail_pairs_every_sentence_and_lists_the_chunks(app, headers, dbsession):
    sentences = process(app, headers).json["sentences"]
    entry = only_entry(dbsession)
    chunks = dbsession.scalars(select(JobChunk).order_by(JobChunk.position)).all()

    detail = app.get(url(entry.id), headers=headers).json

    assert set(detail) == ENTRY_FIELDS | {"sentences", "chunk_ids", "chunks", "sentences_source"}
    assert [pair["normalized"] for pair in detail["sentences"]] == sentences
    # Each output sentence with the input its chunk's sources name.
    originals = [chunk.input_sentences[source] for chunk in chunks for source in chunk.output_sources]
    assert [pair["original"] for pair in detail["sentences"]] == originals
    # The job ended with a snapshot when the runner gives one, else the detail reads its chunks.
    assert detail["sentences_source"] == ("snapshot" if entry.sentences is not None else "live_chunks")
    assert detail["chunk_ids"] == [chunk.id for chunk in chunks] and len(chunks) > 1
    assert [chunk["chunk_id"] for chunk in detail["chunks"]] == list(range(len(chunks)))
    for body in detail["chunks"]:
        assert set(body) == CHUNK_FIELDS
        assert (body["status"], body["has_overlap"], body["max_retries"]) == ("success", False, MAX_CHUNK_ATTEMPTS)
        assert body["job_id"] == entry.job_id and body["last_error"] is None
    # Pages as the frontend counts them, from 0.
    assert [(body["start_page"], body["end_page"]) for body in detail["chunks"]] == [
        (chunk.start_page - 1, chunk.end_page - 1) for chunk in chunks
    ]
    assert app.get(url(entry.id, "chunks"), headers=headers).json == {"chunks": detail["chunks"]}


def test_refresh_keeps_the_chunks_sentences_as_the_snapshot(app, headers, dbsession):
    sentences = process(app, headers).json["sentences"]
    entry = only_entry(dbsession)

    body = app.post(url(entry.id, "refresh"), headers=headers).json

    assert body["sentences_count"] == len(sentences) and body["message"]
    assert body["entry"]["sentences_source"] == "snapshot"
    assert [pair["normalized"] for pair in body["entry"]["sentences"]] == sentences
    entry = only_entry(dbsession)
    assert entry.sentences == body["entry"]["sentences"] and entry.processed_sentences_count == len(sentences)
    detail = app.get(url(entry.id), headers=headers).json
    assert detail["sentences_source"] == "snapshot" and detail["sentences"] == body["entry"]["sentences"]


def test_the_snapshot_outlives_the_job(app, headers, dbsession):
    sentences = process(app, headers).json["sentences"]
    entry = only_entry(dbsession)
    app.post(url(entry.id, "refresh"), headers=headers)
    app.delete(f"/api/v2/jobs/{entry.job_id}", headers=headers, status=204)

    detail = app.get(url(entry.id), headers=headers).json

    assert [pair["normalized"] for pair in detail["sentences"]] == sentences
    assert (detail["sentences_source"], detail["chunks"], detail["chunk_ids"]) == ("snapshot", [], [])
    response = app.post(url(entry.id, "refresh"), headers=headers, status=409)
    assert "deleted" in response.json["error"]
    assert only_entry(dbsession).sentences == detail["sentences"]


def test_an_entry_without_job_or_snapshot_has_no_sentences(app, headers, dbsession):
    user = dbsession.scalars(select(User)).one()
    entry = HistoryEntry(user_id=user.id, original_filename="ancien.pdf", processed_sentences_count=3)
    dbsession.add(entry)
    dbsession.commit()

    detail = app.get(url(entry.id), headers=headers).json

    assert (detail["sentences"], detail["chunks"], detail["sentences_source"]) == ([], [], "snapshot")
    assert (detail["job_id"], detail["settings"]) == (None, None)
    assert app.post(url(entry.id, "duplicate"), headers=headers).json["settings"] == {}


def test_duplicate_gives_the_settings_and_writes_nothing(app, headers, dbsession):
    process(app, headers, name="Le Père Goriot.pdf")
    entry = only_entry(dbsession)
    before = counts(dbsession)

    body = app.post(url(entry.id, "duplicate"), headers=headers).json

    assert body["settings"] == entry.settings and body["settings"]["sentence_length"] == 8
    assert body["original_filename"] == "Le Père Goriot.pdf" and body["message"]
    assert counts(dbsession) == before


# -- retry ---------------------------------------------------------------------------------------


def test_retry_runs_the_failed_chunks_only_and_rewrites_the_entry(gemini_app, headers, gemini, dbsession):
    gemini.script(http_error(403, "Permission denied on the model."))
    process(gemini_app, headers, status=502)
    entry = only_entry(dbsession)
    job = dbsession.get(Job, entry.job_id)
    assert (entry.error_code, entry.failed_step, job.chunks_failed) == ("upstream_error", "normalize", 1)
    listed = gemini_app.get("/api/v1/history", headers=headers).json[0]
    assert (listed["error_code"], listed["failed_step"]) == ("upstream_error", "normalize")
    failed = dbsession.scalars(select(JobChunk).where(JobChunk.status == "failed")).one()
    chunk_view = gemini_app.get(url(entry.id, "chunks"), headers=headers).json["chunks"]
    (failed_view,) = [chunk for chunk in chunk_view if chunk["status"] == "failed"]
    assert (failed_view["id"], failed_view["last_error_code"]) == (failed.id, "upstream_error")
    assert "rewriting service failed" in failed_view["last_error"]
    sent_before = len(gemini.requests)

    body = gemini_app.post(url(entry.id, "retry"), headers=headers).json

    assert (body["entry_id"], body["settings"]) == (entry.id, entry.settings) and body["message"]
    # Tasks run in-process: only the failed chunk went back to the model, and the job completed.
    assert len(gemini.requests) - sent_before == 1
    entry = only_entry(dbsession)
    job = dbsession.get(Job, entry.job_id, populate_existing=True)
    assert job.status == JobStatus.COMPLETED
    assert (entry.error_message, entry.error_code, entry.failed_step) == (None, None, None)
    assert entry.processed_sentences_count == job.sentences_count > 0
    detail = gemini_app.get(url(entry.id), headers=headers).json
    assert {chunk["status"] for chunk in detail["chunks"]} == {"success"}
    assert len(detail["sentences"]) == job.sentences_count


def _user(dbsession, email="lea@example.com"):
    return dbsession.scalar(select(User).where(User.email == email))


def _entry_of(dbsession, job, **fields):
    entry = HistoryEntry(user_id=job.user_id, job_id=job.id, original_filename=job.original_filename, **fields)
    dbsession.add(entry)
    dbsession.commit()
    return entry


def test_retry_of_a_completed_job_is_a_conflict(app, headers, dbsession):
    process(app, headers)
    entry = only_entry(dbsession)
    response = app.post(url(entry.id, "retry"), headers=headers, status=409)
    assert response.json["error"] == "The job of this entry completed; there is nothing to retry."


def test_retry_of_a_job_whose_book_could_not_be_read_is_a_conflict(app, headers, dbsession):
    job = Job(
        user_id=_user(dbsession).id,
        status=JobStatus.FAILED,
        step="finished",
        sentence_length_limit=8,
        normalizer="local",
        error_code="invalid_pdf",
        error_message="The PDF has no text to read.",
    )
    dbsession.add(job)
    dbsession.flush()
    entry = _entry_of(dbsession, job, error_code="invalid_pdf", failed_step="extract")
    before = counts(dbsession)

    response = app.post(url(entry.id, "retry"), headers=headers, status=409)

    assert "could not be read" in response.json["error"] and response.json["code"] == "conflict"
    assert counts(dbsession) == before
    assert dbsession.get(Job, job.id, populate_existing=True).status == JobStatus.FAILED


@pytest.mark.parametrize(
    ("status", "words"), [("processing", "still running"), ("queued", "still running"), ("cancelled", "cancelled")]
)
def test_retry_of_a_job_that_did_not_fail_is_a_conflict(app, headers, dbsession, status, words):
    job, _ = finished_job(dbsession, _user(dbsession).id, [(["Un."], ["Un."])], filename="r.pdf", status=status)
    entry = dbsession.scalars(select(HistoryEntry)).one()
    response = app.post(url(entry.id, "retry"), headers=headers, status=409)
    assert words in response.json["error"]
    if status != "cancelled":
        # A job still running has no final snapshot to rebuild either.
        assert "still running" in app.post(url(entry.id, "refresh"), headers=headers, status=409).json["error"]


def test_retry_of_a_deleted_job_is_a_conflict(app, headers, dbsession):
    process(app, headers)
    entry = only_entry(dbsession)
    app.delete(f"/api/v2/jobs/{entry.job_id}", headers=headers, status=204)
    response = app.post(url(entry.id, "retry"), headers=headers, status=409)
    assert response.json["error"] == "The job of this entry was deleted; upload the PDF again to process it."


# -- bad requests ---------------------------------------------------------------------------------

READS = ["", "chunks"]
ACTIONS = ["refresh", "retry", "duplicate", "export"]


@pytest.mark.parametrize("action", READS + ACTIONS)
def test_another_users_entry_is_not_found_and_untouched(app, headers, auth_headers, dbsession, action):
    process(app, headers)
    entry = only_entry(dbsession)
    other = auth_headers("autre@example.com")
    before = counts(dbsession)
    call = app.get if action in READS else app.post

    response = call(url(entry.id, action), headers=other, status=404)

    assert response.json["error"] == "History entry not found"
    assert counts(dbsession) == before and only_entry(dbsession).sentences == entry.sentences


@pytest.mark.parametrize("action", READS + ACTIONS)
@pytest.mark.parametrize(("entry_id", "status"), [("999999", 404), ("abc", 400), ("0", 400), ("-1", 400), ("1e3", 400)])
def test_unknown_or_malformed_ids(app, headers, action, entry_id, status):
    call = app.get if action in READS else app.post
    response = call(url(entry_id, action), headers=headers, status=status)
    if status == 400:
        assert "id" in response.json["details"]


@pytest.mark.parametrize("action", READS + ACTIONS)
def test_unknown_query_parameters_are_refused(app, headers, dbsession, action):
    process(app, headers)
    entry = only_entry(dbsession)
    call = app.get if action in READS else app.post
    response = call(url(entry.id, action) + "?force=1", headers=headers, status=400)
    assert "force" in response.json["details"]


@pytest.mark.parametrize("action", ["refresh", "retry", "duplicate"])
def test_a_body_is_refused_where_none_is_read(app, headers, dbsession, action):
    process(app, headers)
    entry = only_entry(dbsession)
    before = counts(dbsession)
    response = app.post_json(url(entry.id, action), {"force": True}, headers=headers, status=400)
    assert "force" in response.json["details"] and counts(dbsession) == before
    app.post(url(entry.id, action), "not json", headers={**headers, "Content-Type": "application/json"}, status=400)


@pytest.mark.parametrize("action", READS + ACTIONS)
def test_the_detail_needs_sign_in(app, action):
    call = app.get if action in READS else app.post
    call(url(1, action), status=401)
