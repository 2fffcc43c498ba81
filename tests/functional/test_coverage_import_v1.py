"""v1 ``POST /coverage/import-from-sheets``: a Google Sheet's sentences become a history entry a run can read.

The real Google client runs against the fake Sheets server; a refused import
writes no history entry.
"""

import datetime

import pytest
from sqlalchemy import func, select

from novel_pyramid.accounts.models import User
from novel_pyramid.db.types import utcnow
from novel_pyramid.history.models import HistoryEntry
from novel_pyramid.wordlists.defaults import install_default, shipped_default
from tests.fakes.google_apis_server import sheets_settings

pytest_plugins = ["tests.fakes.google_apis_server"]

URL = "/api/v1/coverage/import-from-sheets"
SENTENCES = [
    "Le chat mange une souris.",
    "Le petit chien dort dans la maison.",
    "Nous avons une grande maison au village.",
    "Il fait beau ce matin.",
]


def entry_count(dbsession):
    dbsession.expire_all()
    return dbsession.scalar(select(func.count()).select_from(HistoryEntry))


def only_entry(dbsession):
    dbsession.expire_all()
    (entry,) = dbsession.scalars(select(HistoryEntry)).all()
    return entry


def sheet_address(sheet):
    return f"https://docs.google.com/spreadsheets/d/{sheet.id}/edit#gid=0"


def import_sheet(app, headers, sheet_url, status=201):
    return app.post_json(URL, {"sheet_url": sheet_url}, headers=headers, status=status).json


def exported_rows(sentences):
    """The sheet our own exports write: a header, then index and sentence."""
    return [["Index", "Sentence"], *([str(number), text] for number, text in enumerate(sentences, 1))]


# -- an import, listed, then run ------------------------------------------------------------


def test_a_sheet_becomes_a_history_entry_that_a_coverage_run_reads(sheets_app, signed_in, google_apis, dbsession):
    headers = signed_in()
    sheet = google_apis.add_spreadsheet(title="Mes phrases", tabs={"Phrases": exported_rows(SENTENCES)})

    imported = import_sheet(sheets_app, headers, sheet_address(sheet))

    assert imported == {
        "history_id": imported["history_id"],
        "sentence_count": 4,
        "filename": "Google Sheets Import (Mes phrases)",
    }
    assert isinstance(imported["history_id"], int)
    # Only read: the tabs, then the first tab's values.
    assert [request.method for request in google_apis.api_requests] == ["GET", "GET"]

    # Listed as any completed entry is: a count, no error, no export, no job.
    (listed,) = sheets_app.get("/api/v1/history", headers=headers).json
    assert listed["id"] == imported["history_id"]
    assert listed["original_filename"] == "Google Sheets Import (Mes phrases)"
    assert listed["processed_sentences_count"] == 4
    assert (listed["error_message"], listed["error_code"], listed["failed_step"]) == (None, None, None)
    assert (listed["spreadsheet_url"], listed["job_id"], listed["settings"]) == (None, None, None)
    detail = sheets_app.get(f"/api/v1/history/{imported['history_id']}", headers=headers).json
    assert [pair["normalized"] for pair in detail["sentences"]] == SENTENCES
    assert [pair["original"] for pair in detail["sentences"]] == SENTENCES
    # No job to rebuild it from or to retry, as for an entry whose job was deleted.
    for action in ("refresh", "retry"):
        sheets_app.post(f"/api/v1/history/{imported['history_id']}/{action}", headers=headers, status=409)

    # A run on it with the defaults: the shipped French 2K list, the default config.
    install_default(dbsession, shipped_default())
    dbsession.commit()
    started = sheets_app.post_json(
        "/api/v1/coverage/run",
        {"mode": "coverage", "source_type": "history", "source_id": imported["history_id"]},
        headers=headers,
        status=201,
    ).json
    run = started["coverage_run"]
    assert (run["source_type"], run["source_id"], run["status"]) == ("history", imported["history_id"], "completed")
    read = sheets_app.get(f"/api/v1/coverage/runs/{run['id']}", headers=headers).json
    assert read["learning_set"], "the run picked no sentence"
    assert {entry["sentence"] for entry in read["learning_set"]} <= set(SENTENCES)
    assert read["coverage_run"]["stats_json"]["words_covered"] > 0
    assert {item["source_id"] for item in read["assignments"]} == {imported["history_id"]}


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # The header row is skipped whichever of its cells names it, in any case.
        (exported_rows(SENTENCES[:2]), SENTENCES[:2]),
        ([["#", "sentence"], ["1", SENTENCES[0]]], SENTENCES[:1]),
        ([["INDEX"], ["1", SENTENCES[0]]], SENTENCES[:1]),
        # Without a header, the first row is a sentence.
        ([["1", SENTENCES[0]], ["2", SENTENCES[1]]], SENTENCES[:2]),
        # One column: each cell is a sentence.
        ([[SENTENCES[0]], [SENTENCES[1]], [SENTENCES[2]]], SENTENCES[:3]),
        # A row holding only its index (its sentence cell blank), or a bare number, is no sentence.
        ([["1"], [SENTENCES[0]], ["42"], ["3", SENTENCES[1]], [" 7 "]], SENTENCES[:2]),
        # Column B is the sentence even when A holds something else; C and beyond are not read.
        ([["x", SENTENCES[0], "note"], ["", SENTENCES[1]]], SENTENCES[:2]),
        # Blank rows and blank sentence cells are skipped; spaces and line breaks become one space.
        ([[], ["1", "  "], ["2", "Le chat\n  mange. "]], ["Le chat mange."]),
    ],
)
def test_which_cells_are_sentences(sheets_app, signed_in, google_apis, dbsession, rows, expected):
    headers = signed_in()
    sheet = google_apis.add_spreadsheet(tabs={"Feuille 1": rows, "Autre": [["Pas lu."]]})

    imported = import_sheet(sheets_app, headers, sheet.id)

    assert imported["sentence_count"] == len(expected)
    entry = only_entry(dbsession)
    assert [pair["normalized"] for pair in entry.sentences] == expected
    assert entry.processed_sentences_count == len(expected)


def test_a_spreadsheet_title_too_long_for_the_list_is_cut(sheets_app, signed_in, google_apis, dbsession):
    sheet = google_apis.add_spreadsheet(title="Roman " * 40, tabs={"Sheet1": [[SENTENCES[0]]]})

    imported = import_sheet(sheets_app, signed_in(), sheet.id)

    assert imported["filename"].startswith("Google Sheets Import (Roman Roman")
    assert len(imported["filename"]) == 128 and imported["filename"].endswith("…")
    assert only_entry(dbsession).original_filename == imported["filename"]


# -- refused, writing nothing ---------------------------------------------------------------


def test_a_user_without_a_google_grant_is_asked_to_sign_in(sheets_app, google_apis, auth_headers, dbsession):
    error = import_sheet(sheets_app, auth_headers(), "abcdefghijklmnop", status=403)

    assert error["code"] == "forbidden" and "Sign in with Google again" in error["error"]
    assert entry_count(dbsession) == 0
    assert google_apis.requests == []


def test_a_revoked_grant_is_403_and_forgotten(sheets_app, signed_in, google_apis, dbsession):
    headers = signed_in(expiry=utcnow() - datetime.timedelta(minutes=5))
    sheet = google_apis.add_spreadsheet(tabs={"Sheet1": [[SENTENCES[0]]]})
    google_apis.revoke()

    error = import_sheet(sheets_app, headers, sheet.id, status=403)

    assert "Sign in with Google again" in error["error"]
    assert entry_count(dbsession) == 0
    user = dbsession.scalar(select(User).where(User.email == "lea@example.com"))
    assert (user.google_access_token, user.google_refresh_token) == (None, None)


@pytest.mark.parametrize("access", ["none", "missing"])
def test_a_sheet_the_user_cannot_open_is_a_400_naming_it(sheets_app, signed_in, google_apis, dbsession, access):
    headers = signed_in()
    sheet_id = "missing-sheet-id-000" if access == "missing" else google_apis.add_spreadsheet(access="none").id

    error = import_sheet(sheets_app, headers, sheet_address_of_id(sheet_id), status=400)

    assert error["code"] == "invalid_input"
    assert "cannot open it" in error["details"]["sheet_url"][0] and sheet_id in error["error"]
    assert entry_count(dbsession) == 0


def sheet_address_of_id(sheet_id):
    return f"https://docs.google.com/spreadsheets/d/{sheet_id}/edit"


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [["Index", "Sentence"]],
        [["1"], ["2"], ["3", "   "]],
        [[], [""]],
    ],
)
def test_a_sheet_without_sentences_is_refused(sheets_app, signed_in, google_apis, dbsession, rows):
    sheet = google_apis.add_spreadsheet(tabs={"Sheet1": rows})

    error = import_sheet(sheets_app, signed_in(), sheet.id, status=400)

    assert error["error"].startswith("No sentences found") and "sheet_url" in error["details"]
    assert entry_count(dbsession) == 0


def test_more_sentences_than_an_import_takes_are_refused(sheets_app, signed_in, google_apis, dbsession):
    # The declared default, coverage.import_max_sentences: 50,000.
    rows = [["Index", "Sentence"], *([str(number), f"Phrase {number}."] for number in range(1, 50_002))]
    sheet = google_apis.add_spreadsheet(tabs={"Sheet1": rows})

    error = import_sheet(sheets_app, signed_in(), sheet.id, status=400)

    assert "50,001 sentences" in error["error"] and "at most 50,000" in error["error"]
    assert "sheet_url" in error["details"]
    assert entry_count(dbsession) == 0


def test_the_limit_is_a_setting(make_app, google_apis, make_user, dbsession):
    app = make_app(**sheets_settings(google_apis), **{"coverage.import_max_sentences": "3"})
    google_apis.grant()
    make_user(
        google_access_token="google-access-1",
        google_refresh_token="google-refresh-1",
        google_token_expiry=utcnow() + datetime.timedelta(hours=1),
    )
    token = app.post_json("/api/v1/auth/dev-login", {"email": "lea@example.com"}).json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    three = google_apis.add_spreadsheet(tabs={"Sheet1": [[text] for text in SENTENCES[:3]]})
    four = google_apis.add_spreadsheet(tabs={"Sheet1": [[text] for text in SENTENCES]})

    assert import_sheet(app, headers, three.id)["sentence_count"] == 3
    error = import_sheet(app, headers, four.id, status=400)

    assert "4 sentences" in error["error"] and "at most 3" in error["error"]
    assert entry_count(dbsession) == 1


def test_a_sentence_too_long_is_refused_naming_its_row(sheets_app, signed_in, google_apis, dbsession):
    rows = [["Index", "Sentence"], ["1", SENTENCES[0]], ["2", "Très " * 250]]
    sheet = google_apis.add_spreadsheet(tabs={"Sheet1": rows})

    error = import_sheet(sheets_app, signed_in(), sheet.id, status=400)

    assert "Row 3" in error["error"] and "1,249 characters" in error["error"] and "at most 1,000" in error["error"]
    assert entry_count(dbsession) == 0


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "This field is required"),
        ({"sheet_url": ""}, "This field is required"),
        ({"sheet_url": 42}, "Must be a string"),
        ({"sheet_url": "https://docs.google.com/spreadsheets/d/" + "a" * 3000}, "at most 2048 characters"),
        ({"sheet_url": "https://example.com/not a sheet"}, "Must be a Google Sheets address"),
        ({"sheet_url": "abcdefghijklmnop", "name": "x"}, "Unknown field"),
    ],
)
def test_bad_bodies_are_refused_in_words(sheets_app, signed_in, google_apis, dbsession, body, words):
    error = sheets_app.post_json(URL, body, headers=signed_in(), status=400).json

    assert error["code"] == "invalid_input" and error["error"]
    field = "name" if "name" in body else "sheet_url"
    assert field in error["details"] and words in error["details"][field][0]
    assert entry_count(dbsession) == 0
    assert google_apis.api_requests == []


def test_a_body_that_is_not_json_is_refused(sheets_app, signed_in, dbsession):
    sheets_app.post(URL, "sheet_url=x", headers=signed_in(), status=400)
    assert entry_count(dbsession) == 0


def test_the_import_needs_a_signed_in_user(sheets_app, dbsession):
    assert sheets_app.post_json(URL, {"sheet_url": "abcdefghijklmnop"}, status=401).json["code"] == "unauthorized"
    assert entry_count(dbsession) == 0


# -- private to its user ----------------------------------------------------------------------


def test_another_user_can_neither_see_nor_run_on_the_imported_entry(sheets_app, signed_in, google_apis, dbsession):
    lea = signed_in()
    sheet = google_apis.add_spreadsheet(tabs={"Sheet1": exported_rows(SENTENCES)})
    entry_id = import_sheet(sheets_app, lea, sheet.id)["history_id"]
    max_headers = signed_in(email="max@example.com", access="google-access-2", refresh="google-refresh-2")
    install_default(dbsession, shipped_default())
    dbsession.commit()

    refused = sheets_app.post_json(
        "/api/v1/coverage/run",
        {"mode": "coverage", "source_type": "history", "source_id": entry_id},
        headers=max_headers,
        status=404,
    ).json

    assert refused["code"] == "not_found"
    assert sheets_app.get("/api/v1/history", headers=max_headers).json == []
    sheets_app.get(f"/api/v1/history/{entry_id}", headers=max_headers, status=404)
    assert entry_count(dbsession) == 1
