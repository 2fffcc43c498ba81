"""Exports that name no sheet or folder take the user's settings: default_sheet_name_pattern, default_folder_id."""

import datetime

import pytest
from sqlalchemy import select

from novel_pyramid.accounts.models import User
from novel_pyramid.db.types import utcnow
from novel_pyramid.history.models import HistoryEntry
from novel_pyramid.jobs.models import Job, JobChunk

# google_apis, sheets_app, signed_in: the fake Sheets/Drive server and a user with a Google grant.
pytest_plugins = ["tests.fakes.google_apis_server"]

URL = "/api/v1/export-to-sheet"


def today():
    return datetime.datetime.now(datetime.UTC).date().isoformat()


@pytest.fixture
def user_with(sheets_app, signed_in):
    """Sign in and save these settings through the API, as the frontend does; returns the auth headers."""

    def sign_in(**settings):
        headers = signed_in()
        if settings:
            sheets_app.put_json("/api/v1/settings", settings, headers=headers)
        return headers

    return sign_in


@pytest.fixture
def history(dbsession):
    def add(filename, minutes_ago):
        user = dbsession.scalar(select(User).where(User.email == "lea@example.com"))
        timestamp = utcnow() - datetime.timedelta(minutes=minutes_ago)
        dbsession.add(HistoryEntry(user_id=user.id, original_filename=filename, timestamp=timestamp))
        dbsession.commit()

    return add


def export(app, headers, **fields):
    return app.post_json(URL, {"sentences": ["Bonjour."], **fields}, headers=headers)


def drive_moves(google_apis):
    return [r.query["addParents"] for r in google_apis.calls("PATCH", "/drive/")]


def test_without_settings_an_unnamed_spreadsheet_gets_the_default_name(sheets_app, user_with, google_apis):
    export(sheets_app, user_with())

    assert google_apis.only_spreadsheet().title == "French Novel Sentences"
    assert drive_moves(google_apis) == []


def test_the_pattern_names_the_spreadsheet_from_the_newest_history_entry(sheets_app, user_with, history, google_apis):
    headers = user_with(default_sheet_name_pattern="{filename} – {date}")
    history("Vieux roman.pdf", minutes_ago=90)
    history("Le Père Goriot.PDF", minutes_ago=5)

    export(sheets_app, headers)

    assert google_apis.only_spreadsheet().title == f"Le Père Goriot – {today()}"


def test_the_pattern_without_history_uses_the_default_name_for_filename(sheets_app, user_with, google_apis):
    export(sheets_app, user_with(default_sheet_name_pattern="{filename}_{date}"))

    assert google_apis.only_spreadsheet().title == f"French Novel Sentences_{today()}"


def test_a_named_spreadsheet_and_folder_win_over_the_settings(sheets_app, user_with, google_apis):
    google_apis.folders.add("folder-mine")
    headers = user_with(default_sheet_name_pattern="{date}", default_folder_id="folder-abc")

    export(sheets_app, headers, sheetName="Mon titre", folderId="folder-mine")

    assert google_apis.only_spreadsheet().title == "Mon titre"
    assert drive_moves(google_apis) == ["folder-mine"]


@pytest.mark.parametrize("folder", [{}, {"folderId": None}, {"folderId": ""}])
def test_an_export_naming_no_folder_goes_to_the_default_folder(sheets_app, user_with, google_apis, folder):
    export(sheets_app, user_with(default_folder_id="folder-abc"), sheetName="Titre", **folder)

    assert drive_moves(google_apis) == ["folder-abc"]
    assert google_apis.only_spreadsheet().parents == ["folder-abc"]


def test_a_default_folder_that_no_longer_exists_is_a_clear_400(sheets_app, user_with, google_apis):
    headers = user_with(default_folder_id="folder-gone")

    response = sheets_app.post_json(URL, {"sentences": ["Bonjour."]}, headers=headers, status=400)

    assert "folder-gone" in response.json["details"]["default_folder_id"][0]
    assert "default folder of your settings" in response.json["error"]


def test_append_uses_neither_default(sheets_app, user_with, google_apis):
    headers = user_with(default_sheet_name_pattern="{date}", default_folder_id="folder-abc")
    spreadsheet = google_apis.add_spreadsheet(title="Classeur", tabs={"Sheet1": [["x"]]})

    export(sheets_app, headers, mode="append", existingSheetId=spreadsheet.id)

    assert spreadsheet.title == "Classeur"
    assert not [r for r in google_apis.api_requests if "/drive/" in r.path]


def test_v2_google_sheets_exports_take_the_same_defaults(sheets_app, user_with, google_apis, dbsession):
    headers = user_with(default_sheet_name_pattern="{filename} ({date})", default_folder_id="folder-abc")
    user = dbsession.scalar(select(User).where(User.email == "lea@example.com"))
    job = Job(
        user_id=user.id,
        status="completed",
        original_filename="Candide.pdf",
        sentence_length_limit=8,
        normalizer="local",
        sentences_count=1,
    )
    dbsession.add(job)
    dbsession.flush()
    dbsession.add(JobChunk(job_id=job.id, position=0, status="done", input_sentences=["Un."], output_sentences=["Un."]))
    dbsession.commit()

    sheets_app.post_json(f"/api/v2/jobs/{job.id}/exports", {"exporter": "google_sheets"}, headers=headers)

    spreadsheet = google_apis.only_spreadsheet()
    assert (spreadsheet.title, spreadsheet.parents) == (f"Candide ({today()})", ["folder-abc"])
