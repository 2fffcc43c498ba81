"""POST /api/v1/export-to-sheet: the real Google client against the fake Sheets/Drive server."""

import datetime
import time

import pytest
from sqlalchemy import select

from novel_pyramid.accounts.models import User
from novel_pyramid.db.types import utcnow
from tests.functional.conftest import bearer

# google_apis, sheets_app, signed_in: the fake Sheets/Drive server and a user with a Google grant.
pytest_plugins = ["tests.fakes.google_apis_server"]

URL = "/api/v1/export-to-sheet"


def export(app, headers, sentences, sheet_name="Le Père Goriot", status=200, **extra):
    return app.post_json(
        URL, {"sentences": sentences, "sheetName": sheet_name, **extra}, headers=headers, status=status
    )


@pytest.mark.parametrize("count", [1, 3])
def test_small_exports_write_header_and_rows(sheets_app, signed_in, google_apis, count):
    sentences = [f"Phrase numéro {n}." for n in range(1, count + 1)]

    response = export(sheets_app, signed_in(), sentences)

    spreadsheet = google_apis.only_spreadsheet()
    assert response.json == {
        "message": "Export successful",
        "spreadsheet_url": f"https://docs.google.com/spreadsheets/d/{spreadsheet.id}/edit",
    }
    assert spreadsheet.title == "Le Père Goriot"
    tab = spreadsheet.first_tab
    assert (tab.row_count, tab.column_count, tab.frozen_rows) == (count + 1, 2, 1)
    assert spreadsheet.row(1) == ["Index", "Sentence"]
    assert [spreadsheet.row(n + 1) for n in range(1, count + 1)] == [[n, s] for n, s in enumerate(sentences, 1)]
    writes = [r for r in google_apis.api_requests if r.method == "PUT"]
    assert len(writes) == 1
    assert writes[0].query["valueInputOption"] == "RAW"
    assert writes[0].path.endswith(f"/values/'Sentences'!A1:B{count + 1}")


def test_header_is_formatted_and_columns_sized(sheets_app, signed_in, google_apis):
    export(sheets_app, signed_in(), ["Bonjour."])

    requests = google_apis.only_spreadsheet().format_requests
    header = next(
        r["repeatCell"] for r in requests if "repeatCell" in r and r["repeatCell"]["range"]["endRowIndex"] == 1
    )
    assert header["cell"]["userEnteredFormat"]["textFormat"] == {"bold": True}
    assert header["range"] == {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1}
    widths = [r["updateDimensionProperties"] for r in requests if "updateDimensionProperties" in r]
    assert [(w["range"]["startIndex"], w["range"]["endIndex"], w["properties"]["pixelSize"]) for w in widths] == [
        (0, 1, 70),
        (1, 2, 600),
    ]
    wrapping = next(
        r["repeatCell"] for r in requests if "repeatCell" in r and "startColumnIndex" in r["repeatCell"]["range"]
    )
    assert wrapping["cell"]["userEnteredFormat"]["wrapStrategy"] == "WRAP"


def test_ten_thousand_sentences_are_written_in_batches_within_limits(sheets_app, signed_in, google_apis):
    sentences = [f"Elle marche vers la gare numéro {n}." for n in range(1, 10_001)]
    started = time.monotonic()

    export(sheets_app, signed_in(), sentences)

    assert time.monotonic() - started < 10
    spreadsheet = google_apis.only_spreadsheet()
    writes = [r for r in google_apis.api_requests if r.method == "PUT"]
    assert len(writes) == 6  # 10,001 rows at most 2,000 per request
    assert [len(w.body["values"]) for w in writes] == [2000] * 5 + [1]
    for write in writes:
        assert len(write.body["values"]) <= 2000
        assert len(str(write.body).encode()) < 2_000_000
    assert spreadsheet.first_tab.row_count == 10_001
    assert spreadsheet.row(10_001) == [10_000, sentences[-1]]
    assert spreadsheet.row(2001) == [2000, sentences[1999]]


def test_long_sentences_are_batched_by_size(sheets_app, signed_in, google_apis):
    sentences = ["é" * 5000] * 400  # about 4 MB once encoded: more than one recommended 2 MB payload

    export(sheets_app, signed_in(), sentences)

    writes = [r for r in google_apis.api_requests if r.method == "PUT"]
    assert len(writes) >= 3
    assert all(len(str(w.body).encode()) < 2_000_000 for w in writes)
    assert google_apis.only_spreadsheet().row(401) == [400, "é" * 5000]


def test_formula_looking_and_non_ascii_text_is_written_as_plain_text(sheets_app, signed_in, google_apis):
    sentences = ["=SUM(A1)", "+33 6 12 34 56 78", "@user", "-1", "Ça, c'est « l'été » — déjà ! 🌞", '"cité"\nsuite']

    export(sheets_app, signed_in(), sentences)

    (write,) = [r for r in google_apis.api_requests if r.method == "PUT"]
    assert write.query["valueInputOption"] == "RAW"
    assert [row[1] for row in write.body["values"][1:]] == sentences


def test_spreadsheet_is_moved_into_the_folder(sheets_app, signed_in, google_apis):
    export(sheets_app, signed_in(), ["Bonjour."], folderId="folder-abc")

    spreadsheet = google_apis.only_spreadsheet()
    assert spreadsheet.parents == ["folder-abc"]
    move = [r for r in google_apis.api_requests if r.method == "PATCH"][0]
    assert move.path == f"/drive/v3/files/{spreadsheet.id}"
    assert move.query["addParents"] == "folder-abc"
    assert move.query["removeParents"] == "root-folder-id"


def test_null_folder_means_no_move(sheets_app, signed_in, google_apis):
    export(sheets_app, signed_in(), ["Bonjour."], folderId=None)

    assert not [r for r in google_apis.api_requests if "/drive/" in r.path]


def test_unknown_folder_is_a_400_naming_the_field(sheets_app, signed_in, google_apis):
    response = export(sheets_app, signed_in(), ["Bonjour."], folderId="nope", status=400)

    assert "folderId" in response.json["details"]


def test_expired_access_token_is_refreshed_and_saved(sheets_app, signed_in, google_apis, dbsession):
    headers = signed_in(access="google-access-old", expiry=utcnow() - datetime.timedelta(minutes=5))
    google_apis.access_tokens.discard("google-access-old")

    export(sheets_app, headers, ["Bonjour."])

    (refresh,) = google_apis.token_requests
    assert refresh.body["grant_type"] == "refresh_token"
    assert refresh.body["refresh_token"] == "google-refresh-1"
    assert all(r.authorization.startswith("Bearer google-access-refreshed-") for r in google_apis.api_requests)
    dbsession.expire_all()
    user = dbsession.scalar(select(User).where(User.email == "lea@example.com"))
    assert user.google_access_token.startswith("google-access-refreshed-")
    assert user.google_token_expiry > utcnow() + datetime.timedelta(minutes=50)


def test_access_token_refused_by_google_is_refreshed_once(sheets_app, signed_in, google_apis):
    headers = signed_in(access="google-access-stale")
    google_apis.access_tokens.discard("google-access-stale")  # not expired by our clock, yet refused

    export(sheets_app, headers, ["Bonjour."])

    assert len(google_apis.token_requests) == 1


def test_revoked_grant_is_403_asking_to_sign_in_again(sheets_app, signed_in, google_apis):
    headers = signed_in(expiry=utcnow() - datetime.timedelta(minutes=5))
    google_apis.revoke()

    response = export(sheets_app, headers, ["Bonjour."], status=403)

    assert "Sign in with Google again" in response.json["error"]
    assert google_apis.token_requests[0].body["grant_type"] == "refresh_token"
    assert google_apis.api_requests == []


def test_a_revoked_grant_is_forgotten_until_the_next_sign_in(sheets_app, signed_in, google_apis, dbsession):
    headers = signed_in(expiry=utcnow() - datetime.timedelta(minutes=5))
    google_apis.revoke()
    export(sheets_app, headers, ["Bonjour."], status=403)

    # The 403 rolled the request back, but not the forgetting: the grant is gone for good.
    user = dbsession.scalar(select(User).where(User.email == "lea@example.com"))
    assert (user.google_access_token, user.google_refresh_token, user.google_token_expiry) == (None, None, None)
    # The next export is refused at once, without asking Google again.
    response = export(sheets_app, headers, ["Bonjour."], status=403)
    assert "has not been granted" in response.json["error"]
    assert len(google_apis.token_requests) == 1


def test_user_without_google_grant_is_403(sheets_app, make_user, google_apis):
    make_user("sans@example.com")
    token = sheets_app.post_json("/api/v1/auth/dev-login", {"email": "sans@example.com"}).json["access_token"]

    response = export(sheets_app, bearer(token), ["Bonjour."], status=403)

    assert "Google Sheets" in response.json["error"]
    assert google_apis.requests == []


@pytest.mark.parametrize("status", [429, 500, 503])
def test_transient_sheets_errors_are_retried(sheets_app, signed_in, google_apis, status):
    google_apis.fail_next(status, times=2)

    export(sheets_app, signed_in(), ["Bonjour."])

    assert len([r for r in google_apis.api_requests if r.method == "PUT"]) == 3
    assert google_apis.only_spreadsheet().row(2) == [1, "Bonjour."]


def test_drive_quota_answers_are_retried(sheets_app, signed_in, google_apis):
    google_apis.fail_next(403, method="PATCH", path_contains="/drive/", reason="userRateLimitExceeded")

    export(sheets_app, signed_in(), ["Bonjour."], folderId="folder-abc")

    assert len([r for r in google_apis.api_requests if r.method == "PATCH"]) == 2
    assert google_apis.only_spreadsheet().parents == ["folder-abc"]


def test_a_real_refusal_is_403_not_retried(sheets_app, signed_in, google_apis):
    google_apis.fail_next(403, method="POST", path_contains="/v4/spreadsheets", reason="forbidden")

    response = export(sheets_app, signed_in(), ["Bonjour."], status=403)

    assert "create the spreadsheet" in response.json["error"]
    assert len(google_apis.api_requests) == 1


@pytest.mark.parametrize(
    ("status", "method", "path", "expected"),
    [
        (403, "POST", "/v4/spreadsheets", 403),  # a final refusal
        (400, "PATCH", "/drive/", 502),  # a final rejection
        (404, "PATCH", "/drive/", 400),  # a refusal the step reports as bad input (the folder)
    ],
)
def test_google_own_wording_stays_in_the_log(
    sheets_app, signed_in, google_apis, caplog, status, method, path, expected
):
    google_apis.fail_next(status, method=method, path_contains=path, reason="forbidden")

    response = export(sheets_app, signed_in(), ["Bonjour."], status=expected, folderId="folder-abc")

    assert "Injected failure" not in response.text
    assert "Injected failure" in caplog.text


@pytest.mark.parametrize("status", [429, 500])
def test_persistent_sheets_errors_are_a_clear_502(sheets_app, signed_in, google_apis, status):
    google_apis.fail_next(status, times=3)

    response = export(sheets_app, signed_in(), ["Bonjour."], status=502)

    assert response.json["code"] == "upstream_error"
    assert f"HTTP {status}" in response.json["error"]
    assert "try again later" in response.json["error"]


def test_unauthenticated_is_401(sheets_app, google_apis):
    sheets_app.post_json(URL, {"sentences": ["a"], "sheetName": "x"}, status=401)
    assert google_apis.requests == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sentences": [], "sheetName": "x"}, "sentences"),
        ({"sentences": ["a"] * 10_001, "sheetName": "x"}, "sentences"),
        ({"sentences": ["a" * 5001], "sheetName": "x"}, "sentences.0"),
        ({"sentences": ["ok", ""], "sheetName": "x"}, "sentences.1"),
        ({"sentences": ["ok", 3], "sheetName": "x"}, "sentences.1"),
        ({"sentences": ["a"], "sheetName": ""}, "sheetName"),
        ({"sentences": ["a"], "sheetName": "x" * 256}, "sheetName"),
        ({"sheetName": "x"}, "sentences"),
        ({"sentences": ["a"], "sheetName": "x", "folderId": 12}, "folderId"),
        ({"sentences": ["a"], "sheetName": "x", "colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_400_with_field_details_and_nothing_sent(sheets_app, signed_in, google_apis, body, field):
    headers = signed_in()

    response = sheets_app.post_json(URL, body, headers=headers, status=400)

    assert field in response.json["details"], response.json
    assert google_apis.requests == []


def test_limits_are_inclusive(sheets_app, signed_in, google_apis):
    export(sheets_app, signed_in(), ["a" * 5000], sheet_name="x" * 255)
    assert google_apis.only_spreadsheet().title == "x" * 255
