"""POST /api/v1/export-to-sheet as the newer export dialog sends it: append, tabs, columns, sharing, a subset.

Every case runs the real Google client against the fake Sheets/Drive server and
checks the calls it recorded, not only the answer.
"""

import time

import pytest

# google_apis, sheets_app, signed_in: the fake Sheets/Drive server and a user with a Google grant.
pytest_plugins = ["tests.fakes.google_apis_server"]

URL = "/api/v1/export-to-sheet"
SENTENCES = ["Il pleut.", "Léa lit.", "« Viens ! »", "=SUM(A1)", "Fin."]
# What ExportDialog.tsx sends by default: its labels, both columns, sharing switched off.
DIALOG = {
    "headers": [{"name": "Index", "enabled": True, "order": 0}, {"name": "Sentence", "enabled": True, "order": 1}],
    "columnOrder": ["index", "sentence"],
    "sharing": {"addCollaborators": False, "collaboratorEmails": [], "publicLink": False},
}
EXISTING_ROWS = [["Index", "Sentence"], ["1", "Ancienne phrase."], ["2", "Une autre."]]


def export(app, auth, status=200, sentences=SENTENCES, **fields):
    body = {"sentences": sentences, "sheetName": "Le Père Goriot", **DIALOG, **fields}
    return app.post_json(URL, body, headers=auth, status=status)


def append(app, auth, spreadsheet, status=200, **fields):
    fields = {"tabName": "Sheet1", "createNewTab": True, **fields}
    return export(app, auth, status, mode="append", existingSheetId=spreadsheet.id, **fields)


def writes(google_apis):
    return google_apis.calls("PUT", "/values/")


def permissions(google_apis):
    return google_apis.calls("POST", "/permissions")


# -- new spreadsheets ---------------------------------------------------------------
def test_the_dialogs_default_body_makes_the_same_spreadsheet_as_before(sheets_app, signed_in, google_apis):
    response = export(sheets_app, signed_in())

    spreadsheet = google_apis.only_spreadsheet()
    assert response.json["spreadsheet_url"] == spreadsheet.url
    assert spreadsheet.row(1) == ["Index", "Sentence"]
    assert [spreadsheet.row(n + 1) for n in range(1, 6)] == [[n, s] for n, s in enumerate(SENTENCES, 1)]
    (write,) = writes(google_apis)
    assert write.path.endswith("/values/'Sentences'!A1:B6")
    assert permissions(google_apis) == []


def test_column_order_and_header_labels(sheets_app, signed_in, google_apis):
    headers = [{"name": "Phrase", "enabled": True, "order": 0}, {"name": "N°", "enabled": True, "order": 1}]

    export(sheets_app, signed_in(), columnOrder=["Sentence", "INDEX"], headers=headers)

    spreadsheet = google_apis.only_spreadsheet()
    (write,) = writes(google_apis)
    assert write.body["values"][:3] == [["Phrase", "N°"], ["Il pleut.", 1], ["Léa lit.", 2]]
    assert spreadsheet.row(4) == ["« Viens ! »", 3]
    sizes = [
        (
            r["updateDimensionProperties"]["range"]["startIndex"],
            r["updateDimensionProperties"]["properties"]["pixelSize"],
        )
        for r in spreadsheet.format_requests
        if "updateDimensionProperties" in r
    ]
    assert sizes == [(0, 600), (1, 70)]  # the wide column is the sentence, now first


def test_headers_are_sorted_by_their_order(sheets_app, signed_in, google_apis):
    headers = [{"name": "Deuxième", "enabled": True, "order": 7}, {"name": "Premier", "enabled": True, "order": 3}]

    export(sheets_app, signed_in(), headers=headers)

    assert google_apis.only_spreadsheet().row(1) == ["Premier", "Deuxième"]


def test_a_disabled_header_drops_its_column(sheets_app, signed_in, google_apis):
    headers = [{"name": "Index", "enabled": False, "order": 0}, {"name": "Phrase", "enabled": True, "order": 1}]

    export(sheets_app, signed_in(), headers=headers)

    spreadsheet = google_apis.only_spreadsheet()
    assert spreadsheet.first_tab.column_count == 1
    (write,) = writes(google_apis)
    assert write.path.endswith("!A1:A6")
    assert write.body["values"] == [["Phrase"], *([s] for s in SENTENCES)]


def test_a_subset_keeps_each_sentences_number(sheets_app, signed_in, google_apis):
    export(sheets_app, signed_in(), sentenceIndices=[4, 1])

    spreadsheet = google_apis.only_spreadsheet()
    assert spreadsheet.first_tab.row_count == 3
    (write,) = writes(google_apis)
    assert write.path.endswith("!A1:B3")
    # In the order of the text, numbered as in the full list (1-based).
    assert write.body["values"] == [["Index", "Sentence"], [2, "Léa lit."], [5, "Fin."]]


def test_new_mode_tab_name_names_the_tab(sheets_app, signed_in, google_apis):
    export(sheets_app, signed_in(), tabName="Chapitre 1")

    assert google_apis.only_spreadsheet().first_tab.title == "Chapitre 1"
    assert writes(google_apis)[0].path.endswith("/values/'Chapitre 1'!A1:B6")


# -- sharing ------------------------------------------------------------------------
def test_sharing_adds_each_collaborator_as_writer_and_a_public_link(sheets_app, signed_in, google_apis):
    emails = ["ami@example.com", "AMI@example.com", "lea@example.com", "prof@no-google.example"]
    sharing = {"addCollaborators": True, "collaboratorEmails": emails, "publicLink": True}

    export(sheets_app, signed_in(), sharing=sharing, folderId="folder-abc")

    spreadsheet = google_apis.only_spreadsheet()
    calls = permissions(google_apis)
    assert [call.body for call in calls] == [
        {"type": "user", "role": "writer", "emailAddress": "ami@example.com"},
        {"type": "user", "role": "writer", "emailAddress": "prof@no-google.example"},
        {"type": "anyone", "role": "reader", "allowFileDiscovery": False},
    ]
    assert all(call.path == f"/drive/v3/files/{spreadsheet.id}/permissions" for call in calls)
    # The invitation is sent: Drive shares with an address without a Google account only that way.
    assert [call.query.get("sendNotificationEmail") for call in calls[:2]] == ["true", "true"]
    assert [(p["type"], p["role"]) for p in spreadsheet.permissions] == [
        ("user", "writer"),
        ("user", "writer"),
        ("anyone", "reader"),
    ]
    # A new spreadsheet is shared last, once it is complete and in its folder.
    assert google_apis.api_requests[-3:] == calls
    assert spreadsheet.parents == ["folder-abc"]


def test_addresses_are_ignored_while_the_switch_is_off(sheets_app, signed_in, google_apis):
    sharing = {"addCollaborators": False, "collaboratorEmails": ["pas une adresse"], "publicLink": False}

    export(sheets_app, signed_in(), sharing=sharing)

    assert permissions(google_apis) == []


def test_a_share_refused_by_drive_says_where_the_new_spreadsheet_is(sheets_app, signed_in, google_apis):
    google_apis.fail_next(400, method="POST", path_contains="/permissions", reason="invalidSharingRequest")
    sharing = {"addCollaborators": True, "collaboratorEmails": ["ami@example.com"]}

    response = export(sheets_app, signed_in(), sharing=sharing, status=400)

    spreadsheet = google_apis.only_spreadsheet()
    assert spreadsheet.url in response.json["error"]
    assert "not shared" in response.json["error"]
    assert "sharing.collaboratorEmails" in response.json["details"]
    assert spreadsheet.row(6) == [5, "Fin."]


# -- append -------------------------------------------------------------------------
def test_append_adds_rows_after_the_last_one_without_a_header(sheets_app, signed_in, google_apis):
    spreadsheet = google_apis.add_spreadsheet(tabs={"Sheet1": EXISTING_ROWS})

    response = append(sheets_app, signed_in(), spreadsheet, sentenceIndices=[0, 4])

    assert response.json["spreadsheet_url"] == f"{spreadsheet.url}#gid={spreadsheet.first_tab.sheet_id}"
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in google_apis.api_requests] == [
        ("GET", spreadsheet.id),
        ("GET", "'Sheet1'"),
        ("PUT", "'Sheet1'!A4:B5"),
    ]
    assert writes(google_apis)[0].body["values"] == [[1, "Il pleut."], [5, "Fin."]]
    assert [spreadsheet.row(n)[:2] for n in range(1, 6)] == [*EXISTING_ROWS, [1, "Il pleut."], [5, "Fin."]]
    assert len(google_apis.spreadsheets) == 1  # nothing created


def test_append_to_an_empty_tab_writes_the_header_and_formats_it(sheets_app, signed_in, google_apis):
    spreadsheet = google_apis.add_spreadsheet(tabs={"Notes": [["à garder"]], "Vide": []})

    append(sheets_app, signed_in(), spreadsheet, tabName="Vide")

    tab = spreadsheet.tab("Vide")
    assert tab.row(1)[:2] == ["Index", "Sentence"]
    assert tab.row(6)[:2] == [5, "Fin."]
    assert tab.frozen_rows == 1
    assert spreadsheet.tab("Notes").cells == {(1, 1): "à garder"}
    (batch,) = google_apis.calls("POST", ":batchUpdate")
    assert {
        r.get("repeatCell", r.get("updateDimensionProperties", {})).get("range", {}).get("sheetId")
        for r in batch.body["requests"]
    } >= {tab.sheet_id}


def test_append_to_a_new_tab(sheets_app, signed_in, google_apis):
    spreadsheet = google_apis.add_spreadsheet(tabs={"Sheet1": EXISTING_ROWS})

    response = append(sheets_app, signed_in(), spreadsheet, tabName="Chapitre 2", createNewTab=True)

    tab = spreadsheet.tab("Chapitre 2")
    assert response.json["spreadsheet_url"].endswith(f"#gid={tab.sheet_id}")
    add_sheet = google_apis.calls("POST", ":batchUpdate")[0].body["requests"]
    assert add_sheet == [
        {
            "addSheet": {
                "properties": {
                    "title": "Chapitre 2",
                    "gridProperties": {"rowCount": 6, "columnCount": 2, "frozenRowCount": 1},
                }
            }
        }
    ]
    (write,) = writes(google_apis)
    assert write.path.endswith("/values/'Chapitre 2'!A1:B6")
    assert [tab.row(n) for n in (1, 2)] == [["Index", "Sentence"], [1, "Il pleut."]]
    assert [spreadsheet.row(n)[:2] for n in range(1, 4)] == EXISTING_ROWS  # the first tab is untouched


def test_tab_names_are_matched_ignoring_case_and_quoted(sheets_app, signed_in, google_apis):
    spreadsheet = google_apis.add_spreadsheet(tabs={"Sheet1": [], "L'été": [["x"]]})

    append(sheets_app, signed_in(), spreadsheet, tabName="l'ÉTÉ", createNewTab=False)

    assert writes(google_apis)[0].path.endswith("/values/'L''été'!A2:B6")
    assert google_apis.calls("POST", ":batchUpdate") == []


def test_without_a_tab_name_the_first_tab_is_used(sheets_app, signed_in, google_apis):
    spreadsheet = google_apis.add_spreadsheet(tabs={"Feuille 1": EXISTING_ROWS, "Autre": []})

    export(sheets_app, signed_in(), mode="append", existingSheetId=spreadsheet.id)

    assert spreadsheet.row(8)[:2] == [5, "Fin."]


def test_a_missing_tab_without_create_new_tab_is_400_and_nothing_is_written(sheets_app, signed_in, google_apis):
    spreadsheet = google_apis.add_spreadsheet(tabs={"Sheet1": [], "Notes": []})

    response = append(sheets_app, signed_in(), spreadsheet, tabName="Chapitre 9", createNewTab=False, status=400)

    assert "Chapitre 9" in response.json["details"]["tabName"][0]
    assert "'Sheet1', 'Notes'" in response.json["error"]
    assert {r.method for r in google_apis.api_requests} == {"GET"}


def test_ten_thousand_sentences_appended_in_batches(sheets_app, signed_in, google_apis):
    sentences = [f"Elle marche vers la gare numéro {n}." for n in range(1, 10_001)]
    existing = [[str(n), f"Déjà là {n}."] for n in range(1, 43)]
    spreadsheet = google_apis.add_spreadsheet(tabs={"Sheet1": existing})
    started = time.monotonic()

    append(sheets_app, signed_in(), spreadsheet, sentences=sentences)

    assert time.monotonic() - started < 10
    (grow,) = google_apis.calls("POST", ":batchUpdate")
    assert grow.body["requests"] == [
        {"appendDimension": {"sheetId": spreadsheet.first_tab.sheet_id, "dimension": "ROWS", "length": 9042}}
    ]
    puts = writes(google_apis)
    assert [p.path.rsplit("!", 1)[1] for p in puts] == [
        "A43:B2042",
        "A2043:B4042",
        "A4043:B6042",
        "A6043:B8042",
        "A8043:B10042",
    ]
    assert all(len(str(p.body).encode()) < 2_000_000 for p in puts)
    assert spreadsheet.first_tab.row_count == 10_042
    assert spreadsheet.row(42)[:2] == ["42", "Déjà là 42."]
    assert spreadsheet.row(43)[:2] == [1, sentences[0]]
    assert spreadsheet.row(10_042)[:2] == [10_000, sentences[-1]]


def test_append_shares_before_writing_so_a_refusal_appends_nothing(sheets_app, signed_in, google_apis):
    # Not created by this app: under drive.file, Drive cannot see it to share it.
    spreadsheet = google_apis.add_spreadsheet(tabs={"Sheet1": EXISTING_ROWS})
    sharing = {"addCollaborators": True, "collaboratorEmails": ["ami@example.com"], "publicLink": False}

    response = append(sheets_app, signed_in(), spreadsheet, sharing=sharing, status=403)

    assert "share only the spreadsheets it created" in response.json["error"]
    assert "sharing.collaboratorEmails" in response.json["details"]
    assert writes(google_apis) == []
    assert spreadsheet.first_tab.last_row() == 3


def test_append_shares_a_spreadsheet_this_app_created(sheets_app, signed_in, google_apis):
    spreadsheet = google_apis.add_spreadsheet(tabs={"Sheet1": EXISTING_ROWS}, created_by_app=True)
    sharing = {"addCollaborators": True, "collaboratorEmails": ["ami@example.com"], "publicLink": True}

    append(sheets_app, signed_in(), spreadsheet, sharing=sharing)

    kinds = [(r.method, "permissions" in r.path) for r in google_apis.api_requests]
    assert kinds == [("GET", False), ("GET", False), ("POST", True), ("POST", True), ("PUT", False)]
    assert [(p["type"], p["role"]) for p in spreadsheet.permissions] == [("user", "writer"), ("anyone", "reader")]


@pytest.mark.parametrize(
    ("access", "status", "words"),
    [("none", 403, "may not edit"), ("reader", 403, "may not edit")],
)
def test_a_spreadsheet_the_user_cannot_edit_is_a_clear_4xx(sheets_app, signed_in, google_apis, access, status, words):
    spreadsheet = google_apis.add_spreadsheet(tabs={"Sheet1": EXISTING_ROWS}, access=access)

    response = append(sheets_app, signed_in(), spreadsheet, status=status)

    assert words in response.json["error"]
    assert "existingSheetId" in response.json["details"]
    assert spreadsheet.first_tab.last_row() == 3


def test_an_unknown_spreadsheet_is_a_400_naming_existing_sheet_id(sheets_app, signed_in, google_apis):
    response = export(sheets_app, signed_in(), mode="append", existingSheetId="nope123", status=400)

    assert "was not found" in response.json["details"]["existingSheetId"][0]
    assert [r.method for r in google_apis.api_requests] == ["GET"]


def test_a_tab_google_refuses_to_add_is_a_400_naming_tab_name(sheets_app, signed_in, google_apis):
    spreadsheet = google_apis.add_spreadsheet(tabs={"Sheet1": []})
    google_apis.fail_next(400, method="POST", path_contains=":batchUpdate", reason="badRequest")

    response = append(sheets_app, signed_in(), spreadsheet, tabName="Nouveau", status=400)

    assert "refused to add the tab 'Nouveau'" in response.json["details"]["tabName"][0]
    assert writes(google_apis) == []


def test_a_file_that_is_no_spreadsheet_is_a_400_naming_existing_sheet_id(sheets_app, signed_in, google_apis):
    spreadsheet = google_apis.add_spreadsheet()
    google_apis.fail_next(400, method="GET", path_contains="/v4/spreadsheets/", reason="failedPrecondition")

    response = append(sheets_app, signed_in(), spreadsheet, status=400)

    assert "is not a spreadsheet" in response.json["details"]["existingSheetId"][0]


@pytest.mark.parametrize("status", [429, 503])
def test_temporary_answers_while_appending_are_retried(sheets_app, signed_in, google_apis, status):
    spreadsheet = google_apis.add_spreadsheet(tabs={"Sheet1": EXISTING_ROWS})
    google_apis.fail_next(status, method="GET", path_contains="/values/")
    google_apis.fail_next(status, method="PUT", path_contains="/values/")

    append(sheets_app, signed_in(), spreadsheet)

    assert len(writes(google_apis)) == 2
    assert spreadsheet.first_tab.last_row() == 8  # the retried batch went to the same rows, once


def test_append_ignores_the_new_spreadsheet_fields(sheets_app, signed_in, google_apis):
    spreadsheet = google_apis.add_spreadsheet(title="Mon classeur", tabs={"Sheet1": EXISTING_ROWS})

    append(sheets_app, signed_in(), spreadsheet, folderId="folder-abc", sheetName="Autre titre")

    assert spreadsheet.title == "Mon classeur"
    assert not [r for r in google_apis.api_requests if "/drive/" in r.path]


# -- bad values ---------------------------------------------------------------------
EMPTY_SHARING = {"addCollaborators": True, "publicLink": False}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"mode": "replace"}, "mode"),
        ({"mode": ""}, "mode"),
        ({"mode": "append", "existingSheetId": ""}, "existingSheetId"),
        ({"mode": "append"}, "existingSheetId"),
        ({"mode": "append", "existingSheetId": "https://docs.google.com/spreadsheets/d/x"}, "existingSheetId"),
        ({"tabName": "x" * 101}, "tabName"),
        ({"createNewTab": "yes"}, "createNewTab"),
        (
            {"sharing": {**EMPTY_SHARING, "collaboratorEmails": ["ami@example.com", "bob@"]}},
            "sharing.collaboratorEmails",
        ),
        ({"sharing": {**EMPTY_SHARING, "collaboratorEmails": ["ok@example.com"] * 51}}, "sharing.collaboratorEmails"),
        ({"sharing": {"publicLink": "true"}}, "sharing.publicLink"),
        ({"sentenceIndices": [0, 5]}, "sentenceIndices"),
        ({"sentenceIndices": [1, 1]}, "sentenceIndices"),
        ({"sentenceIndices": [-1]}, "sentenceIndices.0"),
        ({"sentenceIndices": []}, "sentenceIndices"),
        ({"columnOrder": ["index", "colour"]}, "columnOrder.1"),
        ({"columnOrder": ["index", "Index"]}, "columnOrder"),
        ({"columnOrder": ["sentence"]}, "headers"),
        ({"headers": [{"name": "Index", "enabled": True, "order": 0}]}, "headers"),
        (
            {"headers": [{"name": "A", "enabled": False, "order": 0}, {"name": "B", "enabled": False, "order": 1}]},
            "headers",
        ),
        (
            {"headers": [{"name": "A", "enabled": True, "order": 0}, {"name": "B", "enabled": True, "order": 0}]},
            "headers",
        ),
        ({"headers": [{"name": "A", "enabled": True}, {"name": "B", "enabled": True, "order": 1}]}, "headers.0.order"),
    ],
)
def test_bad_values_are_400_naming_the_field_and_nothing_is_sent(sheets_app, signed_in, google_apis, fields, field):
    response = export(sheets_app, signed_in(), status=400, **fields)

    assert field in response.json["details"], response.json
    assert field.split(".")[0].lower() in response.json["error"].lower()
    assert google_apis.requests == []


# -- the document -------------------------------------------------------------------
def test_the_v1_document_describes_every_field_of_the_dialog(testapp):
    document = testapp.get("/api/v1/openapi.json").json
    operation = document["paths"]["/export-to-sheet"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    body = document["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]] if "$ref" in body else body
    fields = body["properties"]

    assert body["required"] == ["sentences"]
    assert set(fields) == {
        "sentences",
        "sheetName",
        "folderId",
        "mode",
        "existingSheetId",
        "tabName",
        "createNewTab",
        "headers",
        "columnOrder",
        "sharing",
        "sentenceIndices",
    }
    assert fields["mode"]["enum"] == ["new", "append"]
    assert set(fields["headers"]["items"]["properties"]) == {"name", "enabled", "order"}
    assert set(fields["sharing"]["properties"]) == {"addCollaborators", "collaboratorEmails", "publicLink"}
    assert fields["sentenceIndices"]["uniqueItems"] is True
    assert fields["sentenceIndices"]["items"]["minimum"] == 0
    assert "default_sheet_name_pattern" in fields["sheetName"]["description"]
    assert "403" in operation["responses"]
