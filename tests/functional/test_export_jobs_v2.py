"""v2 exports of a finished job: POST .../exports (Google Sheets) and GET .../exports/{name} (csv, json)."""

import csv
import datetime
import io
import json

import pytest
from sqlalchemy import select

from novel_pyramid.accounts.models import User
from novel_pyramid.db.types import utcnow
from novel_pyramid.history.models import HistoryEntry
from tests.factories import finished_job
from tests.fakes.google_apis_server import sheets_settings

# google_apis, sheets_app, signed_in: the fake Sheets/Drive server and a user with a Google grant.
pytest_plugins = ["tests.fakes.google_apis_server"]

TRICKY = ['Il dit : "Bonjour, Léa."', "=SUM(A1)", "Une ligne\nsur deux", "+33 @user, déjà"]


@pytest.fixture
def make_job(dbsession):
    """A job of the user ``email`` with chunks of (inputs, outputs), and its history entry."""

    def factory(chunks, email="lea@example.com", status="completed", filename="Le Père Goriot.pdf"):
        user = dbsession.scalar(select(User).where(User.email == email))
        job, _ = finished_job(dbsession, user.id, chunks, filename=filename, status=status)
        return job.id

    return factory


def exports_url(job_id, name=None):
    return f"/api/v2/jobs/{job_id}/exports" + (f"/{name}" if name else "")


LONG = "Le vieil homme marchait lentement vers la gare pendant que la pluie tombait sur la ville endormie."
SPLIT = ["Le vieil homme marchait lentement vers la gare.", "La pluie tombait sur la ville endormie."]


def test_google_sheets_export_of_a_job_sets_its_history_url(sheets_app, signed_in, make_job, google_apis, dbsession):
    headers = signed_in()
    job_id = make_job([(["Court."], ["Court."]), ([LONG, "Fin."], [*SPLIT, "Fin."])])

    body = sheets_app.post_json(
        exports_url(job_id), {"exporter": "google_sheets", "include_original": True}, headers=headers
    ).json

    spreadsheet = google_apis.only_spreadsheet()
    assert body == {
        "id": None,
        "job_id": job_id,
        "exporter": "google_sheets",
        "status": "completed",
        "url": f"https://docs.google.com/spreadsheets/d/{spreadsheet.id}/edit",
    }
    assert spreadsheet.title == "Le Père Goriot.pdf"
    assert [spreadsheet.row(n) for n in range(1, 6)] == [
        ["Index", "Sentence", "Original sentence"],
        [1, "Court.", "Court."],
        [2, SPLIT[0], LONG],
        [3, SPLIT[1], ""],
        [4, "Fin.", "Fin."],
    ]
    dbsession.expire_all()
    entry = dbsession.scalar(select(HistoryEntry).where(HistoryEntry.job_id == job_id))
    assert entry.spreadsheet_url == body["url"]


def test_google_sheets_options_title_and_folder(sheets_app, signed_in, make_job, google_apis):
    headers = signed_in()
    job_id = make_job([(["Un."], ["Un."])])

    sheets_app.post_json(
        exports_url(job_id),
        {"exporter": "google_sheets", "title": "Mes phrases", "folder_id": "folder-abc"},
        headers=headers,
    )

    spreadsheet = google_apis.only_spreadsheet()
    assert (spreadsheet.title, spreadsheet.parents) == ("Mes phrases", ["folder-abc"])
    assert spreadsheet.first_tab.column_count == 2


def test_google_sheets_append_with_columns_and_sharing(sheets_app, signed_in, make_job, google_apis, dbsession):
    headers = signed_in()
    job_id = make_job([([LONG], SPLIT)])
    existing = google_apis.add_spreadsheet(tabs={"Sheet1": [["1", "Déjà là."]]}, created_by_app=True)
    options = {
        "mode": "append",
        "spreadsheet_id": existing.id,
        "include_original": True,
        "columns": [{"name": "original", "header": "Texte"}, {"name": "sentence"}],
        "share_with": ["ami@example.com"],
    }

    body = sheets_app.post_json(exports_url(job_id), {"exporter": "google_sheets", **options}, headers=headers).json

    assert body["url"] == f"{existing.url}#gid={existing.first_tab.sheet_id}"
    assert [existing.row(n)[:2] for n in (1, 2, 3)] == [["1", "Déjà là."], [LONG, SPLIT[0]], ["", SPLIT[1]]]
    assert [(p["emailAddress"], p["role"]) for p in existing.permissions] == [("ami@example.com", "writer")]
    dbsession.expire_all()
    entry = dbsession.scalar(select(HistoryEntry).where(HistoryEntry.job_id == job_id))
    assert entry.spreadsheet_url == body["url"]  # the entry had none yet


def test_unknown_folder_names_the_v2_option(sheets_app, signed_in, make_job):
    headers = signed_in()
    job_id = make_job([(["Un."], ["Un."])])

    response = sheets_app.post_json(
        exports_url(job_id), {"exporter": "google_sheets", "folder_id": "nope"}, headers=headers, status=400
    )

    assert "folder_id" in response.json["details"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"exporter": "pigeon"}, "exporter"),
        ({}, "exporter"),
        ({"exporter": "google_sheets", "colour": "red"}, "colour"),
        ({"exporter": "google_sheets", "title": ""}, "title"),
        ({"exporter": "google_sheets", "title": "x" * 256}, "title"),
        ({"exporter": "google_sheets", "include_original": "perhaps"}, "include_original"),
        ({"exporter": "csv"}, "exporter"),
        ({"exporter": "google_sheets", "mode": "append"}, "spreadsheet_id"),
        ({"exporter": "google_sheets", "share_with": ["pas une adresse"]}, "share_with.0"),
    ],
)
def test_bad_export_requests_are_400_and_nothing_is_sent(sheets_app, signed_in, make_job, google_apis, body, field):
    headers = signed_in()
    job_id = make_job([(["Un."], ["Un."])])

    response = sheets_app.post_json(exports_url(job_id), body, headers=headers, status=400)

    assert field in response.json["details"], response.json
    assert google_apis.requests == []


def test_another_users_job_is_404_and_nothing_is_sent(sheets_app, signed_in, make_job, google_apis):
    signed_in("autre@example.com")
    theirs = make_job([(["Secret."], ["Secret."])], email="autre@example.com")
    headers = signed_in()
    google_apis.requests.clear()

    sheets_app.post_json(exports_url(theirs), {"exporter": "google_sheets"}, headers=headers, status=404)
    sheets_app.get(exports_url(theirs, "csv"), headers=headers, status=404)
    sheets_app.get(exports_url("no-such-job", "json"), headers=headers, status=404)
    assert google_apis.requests == []


def test_unfinished_job_is_409(sheets_app, signed_in, make_job):
    headers = signed_in()
    job_id = make_job([(["Un."], ["Un."])], status="processing")

    response = sheets_app.get(exports_url(job_id, "csv"), headers=headers, status=409)

    assert "processing" in response.json["error"]


def test_csv_download_quotes_and_streams_utf8(sheets_app, signed_in, make_job):
    headers = signed_in()
    job_id = make_job([(TRICKY[:2], TRICKY[:2]), (TRICKY[2:], TRICKY[2:])])

    response = sheets_app.get(exports_url(job_id, "csv"), headers=headers)

    assert response.content_type == "text/csv"
    assert response.charset == "utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="Le Pere Goriot.csv"'
    assert not response.body.startswith(b"\xef\xbb\xbf")
    text = response.body.decode("utf-8")
    assert '"Il dit : ""Bonjour, Léa."""' in text
    assert '"Une ligne\nsur deux"' in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["index", "sentence"], *[[str(n), s] for n, s in enumerate(TRICKY, 1)]]


def test_csv_bom_and_originals(sheets_app, signed_in, make_job):
    headers = signed_in()
    job_id = make_job([([LONG], SPLIT)])

    response = sheets_app.get(exports_url(job_id, "csv") + "?bom=true&include_original=1", headers=headers)

    assert response.body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig"), newline="")))
    assert rows == [["index", "sentence", "original"], ["1", SPLIT[0], LONG], ["2", SPLIT[1], ""]]


def test_csv_can_escape_formulas_for_spreadsheet_programs(sheets_app, signed_in, make_job):
    headers = signed_in()
    job_id = make_job([(TRICKY, TRICKY)])

    text = sheets_app.get(exports_url(job_id, "csv") + "?escape_formulas=true", headers=headers).body.decode()

    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [row[1] for row in rows[1:]] == [TRICKY[0], "'=SUM(A1)", TRICKY[2], "'+33 @user, déjà"]


def test_json_download(sheets_app, signed_in, make_job):
    headers = signed_in()
    job_id = make_job([(TRICKY[:1], TRICKY[:1]), (TRICKY[1:], TRICKY[1:])])

    response = sheets_app.get(exports_url(job_id, "json"), headers=headers)

    assert response.content_type == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="Le Pere Goriot.json"'
    assert json.loads(response.body) == {
        "job_id": job_id,
        "title": "Le Père Goriot.pdf",
        "sentence_count": 4,
        "sentences": [{"index": n, "sentence": s} for n, s in enumerate(TRICKY, 1)],
    }


def test_large_download_reads_every_chunk_in_order(sheets_app, signed_in, make_job):
    headers = signed_in()
    chunks = [([f"P{c}-{n}." for n in range(100)], [f"P{c}-{n}." for n in range(100)]) for c in range(40)]
    job_id = make_job(chunks)

    document = json.loads(sheets_app.get(exports_url(job_id, "json"), headers=headers).body)

    assert [item["sentence"] for item in document["sentences"]] == [s for _, out in chunks for s in out]
    assert document["sentences"][-1]["index"] == 4000


@pytest.mark.parametrize(
    ("path", "field"),
    [("json?bom=true", "bom"), ("csv?bom=maybe", "bom"), ("pigeon", "exporter"), ("google_sheets", "exporter")],
)
def test_bad_download_requests_are_400(sheets_app, signed_in, make_job, google_apis, path, field):
    headers = signed_in()
    job_id = make_job([(["Un."], ["Un."])])

    response = sheets_app.get(exports_url(job_id) + "/" + path, headers=headers, status=400)

    assert field in response.json["details"], response.json
    assert google_apis.requests == []


def test_list_of_exporters(sheets_app, signed_in, make_job):
    headers = signed_in()
    job_id = make_job([(["Un."], ["Un."])])

    body = sheets_app.get(exports_url(job_id), headers=headers).json

    exporters = {exporter["name"]: exporter for exporter in body["exporters"]}
    assert {name: exporter["result"] for name, exporter in exporters.items()} == {
        "google_sheets": "url",
        "csv": "file",
        "json": "file",
    }
    # Each describes its options, so a client can build its form without reading our code.
    csv_options = exporters["csv"]["options"]
    assert csv_options["type"] == "object" and csv_options["additionalProperties"] is False
    assert {"bom", "include_original", "escape_formulas"} <= set(csv_options["properties"])
    assert "byte-order mark" in csv_options["properties"]["bom"]["description"]
    sheets_options = exporters["google_sheets"]["options"]["properties"]
    assert sheets_options["title"]["maxLength"] >= 1 and "folder_id" in sheets_options


def test_downloads_need_sign_in(sheets_app):
    sheets_app.get(exports_url("any", "csv"), status=401)


# -- large jobs: exported by a task (eager here: it runs before the 202 returns) ------------------------
@pytest.fixture
def background_app(make_app, google_apis):
    return make_app(**sheets_settings(google_apis, max_retries=1), **{"exports.inline_max_sentences": "2"})


def test_large_job_is_exported_in_the_background(background_app, signed_in, make_job, google_apis, dbsession):
    headers = signed_in()
    job_id = make_job([(["Un.", "Deux."], ["Un.", "Deux."]), (["Trois."], ["Trois."])])

    response = background_app.post_json(exports_url(job_id), {"exporter": "google_sheets"}, headers=headers, status=202)

    export_id = response.json["id"]
    assert response.headers["Location"].endswith(f"/api/v2/exports/{export_id}")
    status = background_app.get(f"/api/v2/exports/{export_id}", headers=headers).json
    spreadsheet = google_apis.only_spreadsheet()
    assert status["status"] == "completed"
    assert status["url"] == f"https://docs.google.com/spreadsheets/d/{spreadsheet.id}/edit"
    assert (status["job_id"], status["exporter"]) == (job_id, "google_sheets")
    assert "user_id" not in status
    assert spreadsheet.row(4) == [3, "Trois."]
    dbsession.expire_all()
    assert dbsession.scalar(select(HistoryEntry.spreadsheet_url).where(HistoryEntry.job_id == job_id)) == status["url"]


def test_a_background_export_can_append_to_a_new_tab(background_app, signed_in, make_job, google_apis):
    headers = signed_in()
    job_id = make_job([(["Un.", "Deux."], ["Un.", "Deux."]), (["Trois."], ["Trois."])])
    existing = google_apis.add_spreadsheet(tabs={"Sheet1": [["x"]]})
    options = {"mode": "append", "spreadsheet_id": existing.id, "tab_name": "Suite", "create_new_tab": True}

    response = background_app.post_json(
        exports_url(job_id), {"exporter": "google_sheets", **options}, headers=headers, status=202
    )

    status = background_app.get(f"/api/v2/exports/{response.json['id']}", headers=headers).json
    tab = existing.tab("Suite")
    assert status["status"] == "completed" and status["url"].endswith(f"#gid={tab.sheet_id}")
    assert [tab.row(n) for n in (1, 4)] == [["Index", "Sentence"], [3, "Trois."]]


def test_background_failure_is_reported_in_the_status(background_app, signed_in, make_job, google_apis):
    headers = signed_in()
    job_id = make_job([(["Un.", "Deux.", "Trois."], ["Un.", "Deux.", "Trois."])])
    google_apis.fail_next(503, times=2)

    export_id = background_app.post_json(
        exports_url(job_id), {"exporter": "google_sheets"}, headers=headers, status=202
    ).json["id"]

    status = background_app.get(f"/api/v2/exports/{export_id}", headers=headers).json
    assert status["status"] == "failed"
    assert status["code"] == "upstream_error"
    assert "HTTP 503" in status["error"]


def test_a_grant_revoked_during_a_background_export_is_reported_and_forgotten(
    background_app, signed_in, make_job, google_apis, dbsession
):
    headers = signed_in(expiry=utcnow() - datetime.timedelta(minutes=5))
    job_id = make_job([(["Un.", "Deux.", "Trois."], ["Un.", "Deux.", "Trois."])])
    google_apis.revoke()

    export_id = background_app.post_json(
        exports_url(job_id), {"exporter": "google_sheets"}, headers=headers, status=202
    ).json["id"]

    status = background_app.get(f"/api/v2/exports/{export_id}", headers=headers).json
    assert (status["status"], status["code"]) == ("failed", "forbidden")
    assert "Sign in with Google again" in status["error"]
    user = dbsession.scalar(select(User).where(User.email == "lea@example.com"))
    assert (user.google_access_token, user.google_refresh_token) == (None, None)


def test_another_users_export_status_is_404(background_app, signed_in, make_job):
    headers = signed_in()
    job_id = make_job([(["Un.", "Deux.", "Trois."], ["Un.", "Deux.", "Trois."])])
    export_id = background_app.post_json(
        exports_url(job_id), {"exporter": "google_sheets"}, headers=headers, status=202
    ).json["id"]
    intruder = signed_in("autre@example.com")

    background_app.get(f"/api/v2/exports/{export_id}", headers=intruder, status=404)
    background_app.get("/api/v2/exports/unknown", headers=headers, status=404)


def test_bad_options_of_a_large_job_are_refused_before_queueing(background_app, signed_in, make_job, google_apis):
    headers = signed_in()
    job_id = make_job([(["Un.", "Deux.", "Trois."], ["Un.", "Deux.", "Trois."])])

    background_app.post_json(
        exports_url(job_id), {"exporter": "google_sheets", "tilte": "x"}, headers=headers, status=400
    )
    assert google_apis.requests == []
