"""v2 word lists as resources: links, Location, 204, the keys paged, scopes (docs/api.md, "Word lists")."""

import pytest

from tests.functional.test_wordlists_v1 import install, list_count

pytest_plugins = ["tests.fakes.google_apis_server"]

URL = "/api/v2/wordlists"


def test_a_list_is_created_read_paged_renamed_and_deleted(testapp, headers, dbsession):
    words = ["maison", "maisons", "chat", "chien", "lapin", "42"]
    created = testapp.post_json(URL, {"name": "Mots", "words": words}, headers=headers, status=201)

    body = created.json
    assert created.headers["Location"] == body["links"]["self"] == f"http://localhost{URL}/{body['id']}"
    assert (body["ingestion_report"]["duplicate_count"], body["ingestion_report"]["junk_count"]) == (1, 1)
    assert "refresh" not in body["links"]

    read = testapp.get(body["links"]["self"], headers=headers).json
    assert read["anomalies"] == [{"word": "42", "issue": "not_a_word", "line": 6}]

    first = testapp.get(body["links"]["keys"], {"limit": 3}, headers=headers).json
    assert first == {"items": ["maison", "chat", "chien"], "next_cursor": "3"}
    rest = testapp.get(body["links"]["keys"], {"limit": 3, "cursor": first["next_cursor"]}, headers=headers).json
    assert rest == {"items": ["lapin"], "next_cursor": None}

    assert testapp.patch_json(body["links"]["self"], {"name": "Renommé"}, headers=headers).json["name"] == "Renommé"
    deleted = testapp.delete(body["links"]["self"], headers=headers, status=204)
    assert deleted.body == b""
    assert list_count(dbsession) == 0


def test_the_scopes_and_the_default(testapp, headers, auth_headers, dbsession):
    default_id = install(dbsession)
    own = testapp.post_json(URL, {"name": "Moi", "words": ["chat"]}, headers=headers).json["id"]
    testapp.post_json(URL, {"name": "Autre", "words": ["chat"]}, headers=auth_headers("max@example.com"))

    def ids(scope):
        return [item["id"] for item in testapp.get(URL, {"scope": scope}, headers=headers).json["items"]]

    assert ids("all") == [default_id, own]
    assert ids("own") == [own]
    assert ids("global") == [default_id]
    assert testapp.get(URL, {"scope": "theirs"}, headers=headers, status=400).json["details"]["scope"]

    default = testapp.get(f"{URL}/default", headers=headers).json
    assert default["id"] == default_id and default["normalized_count"] == 2000
    keys = testapp.get(default["links"]["keys"], {"limit": 5000}, headers=headers).json
    assert len(keys["items"]) == 2000 and keys["next_cursor"] is None
    testapp.delete(default["links"]["self"], headers=headers, status=403)


def test_another_users_list_is_not_found(testapp, headers, auth_headers):
    theirs = testapp.post_json(URL, {"name": "À moi", "words": ["chat"]}, headers=auth_headers("max@example.com"))
    item = f"{URL}/{theirs.json['id']}"

    for path in (item, f"{item}/keys"):
        assert testapp.get(path, headers=headers, status=404).json["code"] == "not_found"
    testapp.patch_json(item, {"name": "Volé"}, headers=headers, status=404)
    testapp.delete(item, headers=headers, status=404)
    testapp.post_json(f"{item}/refresh", {}, headers=headers, status=404)
    testapp.get(f"{URL}/99999999999", headers=headers, status=400)


def test_no_default_installed_is_a_404(testapp, headers):
    assert testapp.get(f"{URL}/default", headers=headers, status=404).json["code"] == "not_found"


def test_a_sheet_list_links_to_its_refresh(sheets_app, signed_in, google_apis):
    headers = signed_in()
    sheet = google_apis.add_spreadsheet(tabs={"Mots": [["word"], ["maison"]]})

    made = sheets_app.post_json(URL, {"name": "Feuille", "sheet_url": sheet.id}, headers=headers, status=201).json
    sheet.first_tab.fill([["chat"]], first_row=3)
    refreshed = sheets_app.post_json(made["links"]["refresh"], {}, headers=headers).json

    assert refreshed["normalized_count"] == 2 and refreshed["ingestion_report"]["normalized_count"] == 2


@pytest.mark.parametrize(
    "body",
    [{"name": "Vide", "words": []}, {"name": "Rien"}, {"name": "Trop", "words": [f"m{n}" for n in range(50_001)]}],
)
def test_bad_lists_write_nothing(testapp, headers, dbsession, body):
    assert testapp.post_json(URL, body, headers=headers, status=400).json["code"] == "invalid_input"
    assert list_count(dbsession) == 0
