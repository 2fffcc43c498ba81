"""v2 history: entries as resources with their job's chunks, cursor pages of entries and of sentence pairs."""

import datetime

import pytest
from sqlalchemy import select

from novel_pyramid.accounts.models import User
from novel_pyramid.history.models import HistoryEntry
from novel_pyramid.jobs.models import JobChunk
from novel_pyramid.jobs.runner import MAX_CHUNK_ATTEMPTS
from tests.factories import finished_job
from tests.fakes.pdfs import text_pdf
from tests.functional.conftest import SMALL_CHUNKS

ENTRY_FIELDS = {
    "id",
    "job_id",
    "timestamp",
    "original_filename",
    "sentences_count",
    "spreadsheet_url",
    "error",
    "error_code",
    "failed_step",
    "settings",
    "links",
}


@pytest.fixture
def app(headers, make_app):
    return make_app(**SMALL_CHUNKS)


def _user(dbsession, email="lea@example.com"):
    return dbsession.scalar(select(User).where(User.email == email))


def test_the_entry_of_a_processed_book_with_its_chunks(app, headers, dbsession):
    sentences = app.post("/api/v1/process-pdf", upload_files=[("pdf_file", "roman.pdf", text_pdf())], headers=headers)
    sentences = sentences.json["sentences"]
    entry = dbsession.scalars(select(HistoryEntry)).one()
    chunks = dbsession.scalars(select(JobChunk).order_by(JobChunk.position)).all()

    body = app.get(f"/api/v2/history/{entry.id}", headers=headers).json

    assert set(body) == ENTRY_FIELDS | {"sentences_source", "chunks"}
    assert (body["id"], body["job_id"], body["sentences_count"]) == (entry.id, entry.job_id, len(sentences))
    assert (body["error"], body["error_code"], body["failed_step"]) == (None, None, None)
    assert body["settings"]["sentence_length"] == 8
    assert body["links"] == {
        "self": f"http://localhost/api/v2/history/{entry.id}",
        "sentences": f"http://localhost/api/v2/history/{entry.id}/sentences",
        "job": f"http://localhost/api/v2/jobs/{entry.job_id}",
    }
    assert [chunk["id"] for chunk in body["chunks"]] == [chunk.id for chunk in chunks]
    assert [chunk["position"] for chunk in body["chunks"]] == list(range(len(chunks)))
    assert {chunk["status"] for chunk in body["chunks"]} == {"done"}
    assert {chunk["max_attempts"] for chunk in body["chunks"]} == {MAX_CHUNK_ATTEMPTS}
    assert sum(chunk["sentences_count"] for chunk in body["chunks"]) == len(sentences)

    page = app.get(body["links"]["sentences"], {"limit": 1000}, headers=headers).json
    assert [item["normalized"] for item in page["items"]] == sentences
    assert [item["index"] for item in page["items"]] == list(range(len(sentences)))
    assert page["next_cursor"] is None and page["sentences_source"] == body["sentences_source"]


def test_sentence_pages_follow_the_cursor(app, headers, dbsession):
    outputs = [f"Phrase {n}." for n in range(7)]
    chunks = [(outputs[:4], outputs[:4]), (outputs[4:], outputs[4:])]
    _, entry = finished_job(dbsession, _user(dbsession).id, chunks, filename="r.pdf")

    seen, cursor = [], None
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = app.get(f"/api/v2/history/{entry.id}/sentences", query, headers=headers).json
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == [{"index": n, "normalized": s, "original": s} for n, s in enumerate(outputs)]
    assert page["sentences_source"] == "live_chunks"
    past_the_end = app.get(f"/api/v2/history/{entry.id}/sentences", {"cursor": 50}, headers=headers).json
    assert past_the_end["items"] == [] and past_the_end["next_cursor"] is None


def test_entries_list_the_newest_made_first_in_cursor_pages(app, headers, dbsession):
    user = _user(dbsession)
    start = datetime.datetime(2026, 1, 1)
    entries = [
        HistoryEntry(user_id=user.id, original_filename=f"r{n}.pdf", timestamp=start + datetime.timedelta(minutes=n))
        for n in range(7)
    ]
    dbsession.add_all(entries)
    dbsession.commit()

    ids, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = app.get("/api/v2/history", query, headers=headers).json
        assert all(set(item) == ENTRY_FIELDS for item in page["items"])
        ids.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert ids == sorted((entry.id for entry in entries), reverse=True)
    first = app.get("/api/v2/history", headers=headers).json["items"][0]
    assert "job" not in first["links"] and first["job_id"] is None
    # Any id is a cursor: the page of the entries made before it.
    older = app.get("/api/v2/history", {"cursor": entries[2].id}, headers=headers).json
    assert [item["id"] for item in older["items"]] == [entries[1].id, entries[0].id]


def test_another_users_entry_is_not_found(app, headers, auth_headers, dbsession):
    _, entry = finished_job(dbsession, _user(dbsession).id, [(["Un."], ["Un."])], filename="r.pdf")
    other = auth_headers("autre@example.com")
    for path in (f"/api/v2/history/{entry.id}", f"/api/v2/history/{entry.id}/sentences"):
        assert app.get(path, headers=other, status=404).json["error"] == "History entry not found"
    assert app.get("/api/v2/history", headers=other).json == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/v2/history", {"limit": "0"}, "limit"),
        ("/api/v2/history", {"limit": "101"}, "limit"),
        ("/api/v2/history", {"cursor": "!!"}, "cursor"),
        ("/api/v2/history", {"cursor": "0"}, "cursor"),
        ("/api/v2/history", {"page": "2"}, "page"),
        ("/api/v2/history/abc", {}, "id"),
        ("/api/v2/history/0", {}, "id"),
        ("/api/v2/history/1", {"x": "1"}, "x"),
        ("/api/v2/history/abc/sentences", {}, "id"),
        ("/api/v2/history/1/sentences", {"cursor": "-1"}, "cursor"),
        ("/api/v2/history/1/sentences", {"limit": "1001"}, "limit"),
        ("/api/v2/history/1/sentences", {"limit": "x"}, "limit"),
    ],
)
def test_bad_requests_are_400_with_the_field_named(app, headers, path, query, field):
    response = app.get(path, query, headers=headers, status=400)
    assert field in response.json["details"]


def test_history_needs_sign_in(app):
    for path in ("/api/v2/history", "/api/v2/history/1", "/api/v2/history/1/sentences"):
        app.get(path, status=401)


def test_the_openapi_document_describes_the_history_resources(app):
    paths = app.get("/api/v2/openapi.json").json["paths"]
    for path in ("/history", "/history/{id}", "/history/{id}/sentences"):
        operation = paths[path]["get"]
        assert {"200", "400", "401"} <= set(operation["responses"])
    assert "404" in paths["/history/{id}"]["get"]["responses"]
