"""v1 POST /history/{id}/export: an entry's sentences to Google Sheets, with the options of /export-to-sheet."""

import pytest
from sqlalchemy import select

from novel_pyramid.accounts.models import User
from novel_pyramid.history.models import HistoryEntry
from tests.factories import finished_job
from tests.fakes.google_apis_server import sheets_settings
from tests.functional.conftest import bearer

# google_apis, signed_in: the fake Sheets/Drive server and a user with a Google grant.
pytest_plugins = ["tests.fakes.google_apis_server"]

SENTENCES = ["Il pleuvait.", "Le ciel était gris.", "Elle attendait.", "Rien ne venait."]


@pytest.fixture
def sheets_app(make_app, google_apis):
    return make_app(**sheets_settings(google_apis))


@pytest.fixture
def entry(signed_in, dbsession):
    """A signed-in user's finished job of two chunks, and its entry (no snapshot: read from the chunks)."""
    user = dbsession.scalar(select(User).where(User.email == "lea@example.com"))
    chunks = [(["Il pleuvait.", "Le ciel était gris."], SENTENCES[:2]), (["Elle attendait."], SENTENCES[2:])]
    _, entry = finished_job(dbsession, user.id, chunks, filename="roman.pdf")
    return entry


@pytest.fixture
def headers(signed_in):
    return signed_in()


def export(app, headers, entry_id, body=None, status=200):
    return app.post_json(f"/api/v1/history/{entry_id}/export", body or {}, headers=headers, status=status)


def stored(dbsession, entry):
    dbsession.expire_all()
    return dbsession.get(HistoryEntry, entry.id)


def test_the_entrys_sentences_go_to_a_new_spreadsheet_and_its_url_to_the_entry(
    sheets_app, headers, entry, google_apis, dbsession
):
    body = export(sheets_app, headers, entry.id, {"sheetName": "roman.pdf - Export"}).json

    spreadsheet = google_apis.only_spreadsheet()
    assert body == {
        "spreadsheet_url": f"https://docs.google.com/spreadsheets/d/{spreadsheet.id}/edit",
        "sentences_source": "live_chunks",
        "sentences_count": len(SENTENCES),
    }
    assert spreadsheet.title == "roman.pdf - Export"
    assert spreadsheet.row(1) == ["Index", "Sentence"]
    assert [spreadsheet.row(n + 1) for n in range(1, len(SENTENCES) + 1)] == [
        [n, sentence] for n, sentence in enumerate(SENTENCES, 1)
    ]
    assert stored(dbsession, entry).spreadsheet_url == body["spreadsheet_url"]


def test_the_frontend_may_send_no_body(sheets_app, headers, entry, google_apis):
    response = sheets_app.post(f"/api/v1/history/{entry.id}/export", headers=headers)
    assert response.json["sentences_count"] == len(SENTENCES)
    # Without a name, the default title of /export-to-sheet.
    assert google_apis.only_spreadsheet().title == "French Novel Sentences"


def test_a_snapshot_is_exported_as_kept(sheets_app, headers, entry, google_apis, dbsession):
    kept = stored(dbsession, entry)
    kept.sentences = [{"normalized": "Gardée.", "original": "Gardée."}]
    dbsession.commit()

    body = export(sheets_app, headers, entry.id).json

    assert (body["sentences_source"], body["sentences_count"]) == ("snapshot", 1)
    assert google_apis.only_spreadsheet().row(2) == [1, "Gardée."]


def test_the_export_options_of_export_to_sheet_apply(sheets_app, headers, entry, google_apis):
    options = {
        "sheetName": "Choix",
        "columnOrder": ["sentence"],
        "headers": [{"name": "Phrase", "enabled": True, "order": 0}],
        "sentenceIndices": [3, 1],
    }
    export(sheets_app, headers, entry.id, options)

    spreadsheet = google_apis.only_spreadsheet()
    assert spreadsheet.row(1) == ["Phrase"]
    assert [spreadsheet.row(2), spreadsheet.row(3)] == [[SENTENCES[1]], [SENTENCES[3]]]


def test_an_append_fills_the_entry_still_without_a_url(sheets_app, headers, entry, google_apis, dbsession):
    target = google_apis.add_spreadsheet(tabs={"Sheet1": [["déjà"]]})
    body = export(sheets_app, headers, entry.id, {"mode": "append", "existingSheetId": target.id}).json
    assert target.row(2)[:2] == [1, SENTENCES[0]]
    assert stored(dbsession, entry).spreadsheet_url == body["spreadsheet_url"]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"sentences": ["Autre."]}, "sentences"),
        ({"sentenceIndices": [4]}, "sentenceIndices"),
        ({"sentenceIndices": [0, 0]}, "sentenceIndices"),
        ({"mode": "append"}, "existingSheetId"),
        ({"sheetName": ""}, "sheetName"),
        ({"columnOrder": ["page"]}, "columnOrder.0"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_options_are_refused_before_anything_is_sent(sheets_app, headers, entry, google_apis, options, field):
    response = export(sheets_app, headers, entry.id, options, status=400)
    assert field in response.json["details"]
    assert google_apis.api_requests == []


def test_an_entry_without_sentences_has_nothing_to_export(sheets_app, headers, dbsession, google_apis):
    user = dbsession.scalar(select(User).where(User.email == "lea@example.com"))
    empty = HistoryEntry(user_id=user.id, original_filename="vide.pdf", processed_sentences_count=0)
    dbsession.add(empty)
    dbsession.commit()

    response = export(sheets_app, headers, empty.id, status=409)

    assert response.json["error"] == "This entry has no sentences to export."
    assert google_apis.api_requests == []


def test_without_a_google_grant_the_export_is_forbidden(sheets_app, make_user, dbsession, google_apis):
    make_user("sans@example.com")
    token = sheets_app.post_json("/api/v1/auth/dev-login", {"email": "sans@example.com"}).json["access_token"]
    _, entry = finished_job(
        dbsession,
        dbsession.scalar(select(User).where(User.email == "sans@example.com")).id,
        [(["Un."], ["Un."])],
        filename="r.pdf",
    )

    export(sheets_app, bearer(token), entry.id, status=403)

    assert google_apis.api_requests == [] and stored(dbsession, entry).spreadsheet_url is None


def test_a_google_failure_leaves_the_entry_without_url(sheets_app, headers, entry, google_apis, dbsession):
    google_apis.fail_next(500, times=5)
    export(sheets_app, headers, entry.id, status=502)
    assert stored(dbsession, entry).spreadsheet_url is None
