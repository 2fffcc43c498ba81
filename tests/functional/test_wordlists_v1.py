"""v1 word lists, as the frontend's client calls them (docs/api.md, "Word lists").

Bad input is a 4xx JSON error that says what is wrong, and writes nothing.
"""

import codecs
import datetime

import pytest
from sqlalchemy import func, select, update

from novel_pyramid.accounts.models import User
from novel_pyramid.db.types import utcnow
from novel_pyramid.wordlists.defaults import install_default, shipped_default
from novel_pyramid.wordlists.models import WordList

pytest_plugins = ["tests.fakes.google_apis_server"]

URL = "/api/v1/wordlists"


def list_count(dbsession):
    dbsession.expire_all()
    return dbsession.scalar(select(func.count()).select_from(WordList))


def install(dbsession):
    wordlist, what = install_default(dbsession, shipped_default())
    dbsession.commit()
    return wordlist.id


def upload(testapp, headers, content, name="Mes mots", filename="mots.csv", status=201, **fields):
    form = {"name": name, **fields}
    return testapp.post(URL, form, upload_files=[("file", filename, content)], headers=headers, status=status)


# -- creation ---------------------------------------------------------------------------------


def test_a_list_from_words_reports_its_keys_duplicates_and_junk(testapp, headers, dbsession):
    words = ["Chat", "chats", "l'homme", "mangeons", "manger", "123", "!!", "", "un|une"]
    answer = testapp.post_json(URL, {"name": "Animaux", "words": words}, headers=headers, status=201).json

    wordlist, report = answer["wordlist"], answer["ingestion_report"]
    assert wordlist["name"] == "Animaux" and wordlist["source_type"] == "manual"
    assert isinstance(wordlist["id"], int) and wordlist["owner_user_id"] is not None
    assert wordlist["canonical_samples"] == ["chat", "homme", "manger", "un"]
    assert wordlist["normalized_count"] == report["normalized_count"] == 4
    # un|une: two entries; "" is a blank line, skipped and counted.
    assert report["original_count"] == 9 and report["variants_expanded"] == 1 and report["blank_lines"] == 1
    assert report["duplicate_count"] == 3
    assert [(item["word"], item["normalized"]) for item in report["duplicates"]] == [
        ("chats", "chat"),
        ("manger", "manger"),
        ("une", "un"),
    ]
    assert report["junk_count"] == 2
    assert [(item["word"], item["issue"], item["line"]) for item in report["anomalies"]] == [
        ("123", "not_a_word", 6),
        ("!!", "not_a_word", 7),
    ]
    assert (wordlist["duplicate_count"], wordlist["junk_count"]) == (3, 2)
    # Read back later, the list still says what its ingestion did not keep.
    detail = testapp.get(f"{URL}/{wordlist['id']}", headers=headers).json
    assert [item["word"] for item in detail["anomalies"]] == ["123", "!!"]
    assert len(detail["duplicates"]) == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Vide", "words": []}, "words"),
        ({"name": "Vide", "words": ["", "  "]}, "words"),
        ({"name": "Rien", "words": ["123", "!!!"]}, "words"),
        ({"name": "Vide"}, "words"),
        ({"words": ["chat"]}, "name"),
        ({"name": "Texte", "words": "chat chien"}, "words"),
        (
            {"name": "Deux", "words": ["chat"], "sheet_url": "https://docs.google.com/spreadsheets/d/abcdefghijkl"},
            "words",
        ),
        ({"name": "Type", "words": ["chat"], "source_type": "pdf"}, "source_type"),
    ],
)
def test_a_list_of_no_usable_word_is_refused(testapp, headers, dbsession, body, field):
    error = testapp.post_json(URL, body, headers=headers, status=400).json

    assert error["code"] == "invalid_input" and field in error["details"]
    assert list_count(dbsession) == 0


def test_a_list_over_the_entry_limit_is_refused_in_words(testapp, headers, dbsession):
    words = [f"mot{number}" for number in range(100_000)]
    error = testapp.post_json(URL, {"name": "Trop", "words": words}, headers=headers, status=400).json

    assert "100,000 entries" in error["error"] and "at most 50,000" in error["error"]
    assert "words" in error["details"]
    assert list_count(dbsession) == 0


def test_a_csv_in_latin_1_is_read_as_latin_1(testapp, headers):
    content = "mot;traduction\nété;summer\nfenêtre;window\ncœur;heart\n".encode("cp1252")
    answer = upload(testapp, headers, content).json

    assert answer["wordlist"]["source_type"] == "csv" and answer["wordlist"]["source_ref"] == "mots.csv"
    assert answer["wordlist"]["canonical_samples"] == ["été", "fenêtre", "coeur"]
    assert answer["ingestion_report"]["junk_count"] == 0


def test_a_csv_with_a_bom_and_a_word_column(testapp, headers):
    content = codecs.BOM_UTF8 + b"rank,word,count\n1,maison,10\n2,maisons,8\n3,,1\n4,42,1\n"
    report = upload(testapp, headers, content).json["ingestion_report"]

    assert (report["normalized_count"], report["duplicate_count"], report["junk_count"], report["blank_lines"]) == (
        1,
        1,
        1,
        1,
    )
    assert report["anomalies"] == [{"word": "42", "issue": "not_a_word", "line": 5}]


def test_a_text_file_has_one_word_a_line_and_the_form_fields_of_the_frontend(testapp, headers):
    answer = upload(testapp, headers, "Maison\nété\n".encode(), filename="mots.txt", fold_diacritics="true").json[
        "wordlist"
    ]

    assert answer["fold_diacritics"] is True and answer["canonical_samples"] == ["maison", "ete"]


def test_a_file_over_the_upload_limit_is_a_413(make_app, headers, dbsession):
    testapp = make_app(**{"wordlists.max_upload_bytes": "2048"})
    error = upload(testapp, headers, b"chat\n" * 1000, status=413).json

    assert "2,048 bytes" in error["error"]
    assert list_count(dbsession) == 0


@pytest.mark.parametrize("content", [b"\x00\x01\x02binary", b""])
def test_a_binary_or_empty_file_is_refused(testapp, headers, dbsession, content):
    error = upload(testapp, headers, content, status=400).json

    assert "file" in error["details"]
    assert list_count(dbsession) == 0


# -- reading, renaming, deleting ---------------------------------------------------------------


def test_the_list_shows_the_default_first_then_global_then_own_lists(testapp, headers, auth_headers, dbsession):
    default_id = install(dbsession)
    first = testapp.post_json(URL, {"name": "Un", "words": ["chat"]}, headers=headers).json["wordlist"]["id"]
    second = testapp.post_json(URL, {"name": "Deux", "words": ["chien"]}, headers=headers).json["wordlist"]["id"]
    testapp.post_json(URL, {"name": "Autre", "words": ["lapin"]}, headers=auth_headers("max@example.com"))

    listed = testapp.get(URL, headers=headers).json["wordlists"]

    assert [item["id"] for item in listed] == [default_id, second, first]
    assert listed[0]["is_global_default"] is True and listed[0]["owner_user_id"] is None


def test_another_users_list_is_not_found_everywhere(testapp, headers, auth_headers, dbsession):
    theirs = testapp.post_json(URL, {"name": "À moi", "words": ["chat"]}, headers=auth_headers("max@example.com"))
    wordlist_id = theirs.json["wordlist"]["id"]

    assert testapp.get(f"{URL}/{wordlist_id}", headers=headers, status=404).json["code"] == "not_found"
    testapp.patch_json(f"{URL}/{wordlist_id}", {"name": "Volé"}, headers=headers, status=404)
    testapp.delete(f"{URL}/{wordlist_id}", headers=headers, status=404)
    testapp.post_json(f"{URL}/{wordlist_id}/refresh", {}, headers=headers, status=404)
    testapp.get(f"{URL}/999999", headers=headers, status=404)
    dbsession.expire_all()
    kept = dbsession.get(WordList, wordlist_id)
    assert kept.name == "À moi"
    assert [item["name"] for item in testapp.get(URL, headers=headers).json["wordlists"]] == []


def test_the_owner_renames_and_deletes_a_list(testapp, headers, dbsession):
    made = testapp.post_json(URL, {"name": "Avant", "words": ["chat"]}, headers=headers).json["wordlist"]

    renamed = testapp.patch_json(f"{URL}/{made['id']}", {"name": "Après"}, headers=headers).json
    assert renamed["name"] == "Après" and renamed["normalized_count"] == 1
    # The object read back, sent with its name changed, is accepted too.
    testapp.patch_json(f"{URL}/{made['id']}", {**renamed, "name": "Encore"}, headers=headers)

    assert testapp.delete(f"{URL}/{made['id']}", headers=headers).json == {"message": "Word list deleted"}
    assert list_count(dbsession) == 0


def test_deleting_the_users_default_list_clears_that_setting(testapp, headers):
    kept = testapp.post_json(URL, {"name": "Gardée", "words": ["chat"]}, headers=headers).json["wordlist"]["id"]
    gone = testapp.post_json(URL, {"name": "Partie", "words": ["chien"]}, headers=headers).json["wordlist"]["id"]

    testapp.post_json("/api/v1/settings", {"default_wordlist_id": kept}, headers=headers)
    testapp.delete(f"{URL}/{gone}", headers=headers)
    assert testapp.get("/api/v1/settings", headers=headers).json["default_wordlist_id"] == kept

    testapp.delete(f"{URL}/{kept}", headers=headers)
    assert testapp.get("/api/v1/settings", headers=headers).json["default_wordlist_id"] is None


def test_a_global_list_can_be_read_but_not_changed(testapp, headers, dbsession):
    default_id = install(dbsession)

    assert testapp.get(f"{URL}/{default_id}", headers=headers).json["normalized_count"] == 2000
    assert testapp.delete(f"{URL}/{default_id}", headers=headers, status=403).json["code"] == "forbidden"
    testapp.patch_json(f"{URL}/{default_id}", {"name": "Le mien"}, headers=headers, status=403)
    testapp.post_json(f"{URL}/{default_id}/refresh", {}, headers=headers, status=403)
    dbsession.expire_all()
    assert dbsession.get(WordList, default_id).name == "French 2K"


def test_a_bad_rename_is_refused(testapp, headers, dbsession):
    made = testapp.post_json(URL, {"name": "Nom", "words": ["chat"]}, headers=headers).json["wordlist"]
    for body in ({"name": ""}, {"name": "x" * 256}, {}, {"name": 5}):
        assert "name" in testapp.patch_json(f"{URL}/{made['id']}", body, headers=headers, status=400).json["details"]
    dbsession.expire_all()
    assert dbsession.get(WordList, made["id"]).name == "Nom"


def test_the_global_endpoints(testapp, headers, dbsession):
    assert testapp.get(f"{URL}/global/default", headers=headers, status=404).json["code"] == "not_found"
    assert testapp.get(f"{URL}/global/stats", headers=headers).json["has_default"] is False
    default_id = install(dbsession)

    default = testapp.get(f"{URL}/global/default", headers=headers).json
    assert default["id"] == default_id and default["name"] == "French 2K" and default["version"] == 1
    assert default["canonical_samples"][:5] == ["de", "le", "et", "à", "être"]
    listed = testapp.get(f"{URL}/global", headers=headers).json
    assert listed["total"] == 1 and listed["wordlists"][0]["id"] == default_id
    stats = testapp.get(f"{URL}/global/stats", headers=headers).json
    assert stats["has_default"] is True and stats["total_global_wordlists"] == 1
    assert stats["default_wordlist"] == {"id": default_id, "name": "French 2K", "normalized_count": 2000, "version": 1}


def test_the_endpoints_need_a_signed_in_user(testapp):
    for path in (URL, f"{URL}/1", f"{URL}/global", f"{URL}/global/default", f"{URL}/global/stats"):
        assert testapp.get(path, status=401).json["code"] == "unauthorized"


# -- Google Sheets -----------------------------------------------------------------------------


def test_a_list_from_a_google_sheet_and_its_refresh(sheets_app, signed_in, google_apis, dbsession):
    headers = signed_in()
    sheet = google_apis.add_spreadsheet(tabs={"Mots": [["Mot", "Sens"], ["maison", "house"], ["chien", "dog"]]})
    url = f"https://docs.google.com/spreadsheets/d/{sheet.id}/edit#gid=0"

    made = sheets_app.post_json(
        URL, {"name": "Feuille", "source_type": "google_sheet", "sheet_url": url}, headers=headers, status=201
    ).json
    assert made["wordlist"]["source_type"] == "google_sheet" and made["wordlist"]["source_ref"] == sheet.id
    assert made["wordlist"]["canonical_samples"] == ["maison", "chien"]

    sheet.first_tab.fill([["chat"]], first_row=4)
    refreshed = sheets_app.post(f"{URL}/{made['wordlist']['id']}/refresh", headers=headers).json
    assert refreshed["refresh_report"]["status"] == "refreshed" and refreshed["refresh_report"]["word_count"] == 3
    assert refreshed["wordlist"]["canonical_samples"] == ["maison", "chien", "chat"]


def test_the_frontends_google_sheet_call_with_source_ref(sheets_app, signed_in, google_apis):
    headers = signed_in()
    sheet = google_apis.add_spreadsheet(tabs={"Sheet1": [["maison"], ["chat"]]})
    body = {
        "name": "Feuille",
        "source_type": "google_sheet",
        "source_ref": sheet.id,
        "words": [],
        "include_header": True,
    }

    made = sheets_app.post_json(URL, {k: v for k, v in body.items() if k != "words"}, headers=headers, status=201)

    assert made.json["wordlist"]["normalized_count"] == 2


@pytest.mark.parametrize("access", ["none", "missing"])
def test_a_sheet_the_user_cannot_read_is_a_400_naming_it(sheets_app, signed_in, google_apis, dbsession, access):
    headers = signed_in()
    sheet_id = "missing-sheet-id-000" if access == "missing" else google_apis.add_spreadsheet(access="none").id
    body = {"name": "Feuille", "source_type": "google_sheet", "sheet_url": sheet_id}

    error = sheets_app.post_json(URL, body, headers=headers, status=400).json

    assert "cannot open it" in error["details"]["sheet_url"][0]
    assert list_count(dbsession) == 0


def test_a_revoked_grant_is_403_and_forgotten_when_a_list_is_made_or_refreshed(
    sheets_app, signed_in, google_apis, dbsession
):
    headers = signed_in()
    sheet = google_apis.add_spreadsheet(tabs={"Mots": [["maison"], ["chien"]]})
    body = {"name": "Feuille", "source_type": "google_sheet", "sheet_url": sheet.id}
    made = sheets_app.post_json(URL, body, headers=headers, status=201).json["wordlist"]
    lea = User.email == "lea@example.com"

    for attempt in ("refresh", "create"):
        # A grant whose access token must be refreshed, which Google has revoked meanwhile.
        tokens = {"google_access_token": "google-access-1", "google_refresh_token": "google-refresh-1"}
        expired = utcnow() - datetime.timedelta(minutes=5)
        dbsession.execute(update(User).where(lea).values(**tokens, google_token_expiry=expired))
        dbsession.commit()
        google_apis.revoke()
        if attempt == "refresh":
            error = sheets_app.post(f"{URL}/{made['id']}/refresh", headers=headers, status=403).json
        else:
            error = sheets_app.post_json(URL, {**body, "name": "Autre"}, headers=headers, status=403).json
        assert "Sign in with Google again" in error["error"], attempt
        dbsession.expire_all()
        user = dbsession.scalar(select(User).where(lea))
        assert (user.google_access_token, user.google_refresh_token) == (None, None), attempt
    assert list_count(dbsession) == 1


def test_a_user_without_a_google_grant_is_asked_to_sign_in_again(testapp, headers, dbsession):
    body = {"name": "Feuille", "source_type": "google_sheet", "sheet_url": "abcdefghijklmnop"}

    error = testapp.post_json(URL, body, headers=headers, status=403).json

    assert "Sign in with Google again" in error["error"]
    assert list_count(dbsession) == 0


def test_a_sheet_address_that_is_no_address_is_refused(sheets_app, signed_in, dbsession):
    body = {"name": "Feuille", "sheet_url": "https://example.com/not a sheet"}
    error = sheets_app.post_json(URL, body, headers=signed_in(), status=400).json

    assert "sheet_url" in error["details"]


def test_a_list_not_made_from_a_sheet_has_nothing_to_refresh(testapp, headers):
    made = testapp.post_json(URL, {"name": "Main", "words": ["chat"]}, headers=headers).json["wordlist"]

    error = testapp.post_json(f"{URL}/{made['id']}/refresh", {}, headers=headers, status=409).json

    assert error["code"] == "conflict" and "Google Sheet" in error["error"]
