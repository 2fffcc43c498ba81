"""v1 settings: defaults, saving, validation that writes nothing."""

import pytest
from sqlalchemy import func, select

from novel_pyramid.accounts.models import UserSettings
from novel_pyramid.wordlists.models import WordList

WORDLISTS = "/api/v1/wordlists"


def test_defaults_before_anything_is_saved(testapp, auth_headers):
    body = testapp.get("/api/v1/settings", headers=auth_headers()).json
    assert body["sentence_length_limit"] == 8


@pytest.mark.parametrize("method", ["post_json", "put_json"])
def test_save_returns_contract_shape(testapp, auth_headers, method):
    headers = auth_headers()
    body = getattr(testapp, method)("/api/v1/settings", {"sentence_length_limit": 12}, headers=headers).json
    assert body["message"] == "Settings saved successfully"
    assert body["sentence_length_limit"] == 12
    assert body["settings"]["sentence_length_limit"] == 12
    assert testapp.get("/api/v1/settings", headers=headers).json["sentence_length_limit"] == 12


def test_partial_update_keeps_values(testapp, auth_headers):
    headers = auth_headers()
    testapp.post_json("/api/v1/settings", {"sentence_length_limit": 20}, headers=headers)
    body = testapp.post_json("/api/v1/settings", {}, headers=headers).json
    assert body["sentence_length_limit"] == 20


def test_settings_are_per_user(testapp, auth_headers):
    testapp.post_json("/api/v1/settings", {"sentence_length_limit": 30}, headers=auth_headers("a@example.com"))
    other = testapp.get("/api/v1/settings", headers=auth_headers("b@example.com")).json
    assert other["sentence_length_limit"] == 8


@pytest.mark.parametrize(
    "payload",
    [
        {"sentence_length_limit": 2},
        {"sentence_length_limit": 51},
        {"sentence_length_limit": -1},
        {"sentence_length_limit": 10**12},
        {"sentence_length_limit": "10"},
        {"sentence_length_limit": 10.5},
        {"sentence_length_limit": True},
        {"sentence_length_limit": None},
        {"sentence_length_limit": 10, "theme": "dark"},
        [1, 2],
        "text",
    ],
)
def test_invalid_settings_give_400_and_write_nothing(testapp, auth_headers, dbsession, payload):
    response = testapp.post_json("/api/v1/settings", payload, headers=auth_headers(), status=400)
    assert response.json["code"] == "invalid_input"
    assert response.json["error"]
    assert "details" in response.json
    assert dbsession.scalar(select(func.count()).select_from(UserSettings)) == 0


def test_field_errors_name_the_field(testapp, auth_headers):
    response = testapp.post_json("/api/v1/settings", {"sentence_length_limit": 99}, headers=auth_headers(), status=400)
    assert "sentence_length_limit" in response.json["details"]


@pytest.mark.parametrize(
    "body,content_type",
    [(b"{not json", "application/json"), (b"\xff\xfe", "application/json"), (b"limit=5", "text/plain")],
)
def test_malformed_bodies(testapp, auth_headers, body, content_type):
    response = testapp.post(
        "/api/v1/settings", body, headers={**auth_headers(), "Content-Type": content_type}, status=400
    )
    assert response.json["error"]


def test_settings_need_sign_in(testapp):
    testapp.get("/api/v1/settings", status=401)
    testapp.post_json("/api/v1/settings", {"sentence_length_limit": 10}, status=401)


def test_unknown_query_parameters_are_refused(testapp, auth_headers):
    testapp.get("/api/v1/settings?debug=1", headers=auth_headers(), status=400)


# --- What the frontends send back: the object GET returned, one field changed ---


@pytest.mark.parametrize("method", ["post_json", "put_json"])
def test_the_object_get_returned_can_be_sent_back(testapp, auth_headers, method):
    headers = auth_headers()
    testapp.post_json("/api/v1/settings", {"sentence_length_limit": 12}, headers=headers)
    read = testapp.get("/api/v1/settings", headers=headers).json
    assert read["updated_at"]
    body = getattr(testapp, method)("/api/v1/settings", {**read, "sentence_length_limit": 15}, headers=headers).json
    assert body["sentence_length_limit"] == 15
    # The read-only field is ignored, not written: the server sets it.
    assert body["updated_at"] >= read["updated_at"]


def test_a_made_up_updated_at_is_ignored(testapp, auth_headers):
    headers = auth_headers()
    body = testapp.post_json(
        "/api/v1/settings", {"sentence_length_limit": 9, "updated_at": "1999-01-01T00:00:00Z"}, headers=headers
    ).json
    assert not body["updated_at"].startswith("1999")


def test_the_newer_frontends_defaults_are_stored_and_returned(testapp, auth_headers):
    headers = auth_headers()
    assert testapp.get("/api/v1/settings", headers=headers).json == {
        "sentence_length_limit": 8,
        "default_folder_id": None,
        "default_sheet_name_pattern": None,
        "default_wordlist_id": None,
        "updated_at": None,
    }
    own = testapp.post_json(WORDLISTS, {"name": "Mes mots", "words": ["chat"]}, headers=headers).json["wordlist"]
    saved = {
        "default_folder_id": "1AbC-d_EfG",
        "default_sheet_name_pattern": "{filename}_{date}",
        "default_wordlist_id": own["id"],
    }
    body = testapp.post_json("/api/v1/settings", saved, headers=headers).json
    assert {name: body["settings"][name] for name in saved} == saved
    read = testapp.get("/api/v1/settings", headers=headers).json
    assert {name: read[name] for name in saved} == saved
    assert read["sentence_length_limit"] == 8


@pytest.mark.parametrize("cleared", [None, ""])
def test_a_default_is_cleared_with_null_or_an_empty_string(testapp, auth_headers, cleared):
    headers = auth_headers()
    testapp.post_json(
        "/api/v1/settings", {"default_folder_id": "abc", "default_sheet_name_pattern": "Novel_{date}"}, headers=headers
    )
    body = testapp.post_json("/api/v1/settings", {"default_folder_id": cleared}, headers=headers).json
    assert body["default_folder_id"] is None
    assert body["default_sheet_name_pattern"] == "Novel_{date}"


def test_defaults_survive_the_cache(make_app, auth_headers):
    testapp = make_app(**{"cache.backend": "memory"})
    headers = auth_headers()
    testapp.get("/api/v1/settings", headers=headers)
    testapp.post_json("/api/v1/settings", {"default_sheet_name_pattern": "Lecture {date}"}, headers=headers)
    assert testapp.get("/api/v1/settings", headers=headers).json["default_sheet_name_pattern"] == "Lecture {date}"


@pytest.mark.parametrize(
    "payload,field,words",
    [
        ({"default_folder_id": "../etc"}, "default_folder_id", "Google Drive folder id"),
        ({"default_folder_id": 5}, "default_folder_id", "string"),
        ({"default_folder_id": "x" * 256}, "default_folder_id", "at most 255 characters"),
        ({"default_sheet_name_pattern": ["{date}"]}, "default_sheet_name_pattern", "string"),
        ({"default_sheet_name_pattern": "x" * 256}, "default_sheet_name_pattern", "at most 255 characters"),
        ({"default_wordlist_id": 0}, "default_wordlist_id", "between 1 and"),
        ({"default_wordlist_id": "3"}, "default_wordlist_id", "integer"),
        ({"default_wordlist_id": True}, "default_wordlist_id", "integer"),
        ({"theme": "dark"}, "theme", "Unknown field"),
    ],
)
def test_bad_defaults_are_refused_in_plain_words(testapp, auth_headers, dbsession, payload, field, words):
    response = testapp.post_json("/api/v1/settings", payload, headers=auth_headers(), status=400)
    assert words in response.json["details"][field][0]
    assert response.json["error"].startswith(f"{field}: ")
    assert dbsession.scalar(select(func.count()).select_from(UserSettings)) == 0


def test_an_unknown_field_names_the_accepted_ones(testapp, auth_headers):
    response = testapp.post_json(
        "/api/v1/settings", {"sentence_length_limit": 10, "theme": "dark"}, headers=auth_headers(), status=400
    )
    message = response.json["details"]["theme"][0]
    assert "sentence_length_limit" in message and "default_folder_id" in message
    assert "{" not in response.json["error"] and "Unrecognized" not in response.json["error"]


def test_a_default_word_list_must_be_one_the_user_can_read(testapp, auth_headers, dbsession):
    mine, theirs = auth_headers(), auth_headers(email="other@example.com")
    private = testapp.post_json(WORDLISTS, {"name": "À moi", "words": ["chien"]}, headers=theirs).json["wordlist"]
    for wanted in (private["id"], 999_999):
        response = testapp.post_json(
            "/api/v1/settings", {"default_wordlist_id": wanted, "sentence_length_limit": 12}, headers=mine, status=404
        )
        # Someone else's list and a missing one get the same words: the id tells nothing.
        assert response.json["details"]["default_wordlist_id"] == [
            f"Word list {wanted} was not found. Name one of GET /api/v1/wordlists."
        ]
        assert response.json["code"] == "not_found"
    # Nothing of the refused request was saved.
    assert testapp.get("/api/v1/settings", headers=mine).json["sentence_length_limit"] == 8


def test_the_stored_default_word_list_is_accepted_back_even_once_gone(testapp, auth_headers, dbsession):
    """The frontend sends back what GET returned: a list gone since must not stop the other settings saving."""
    headers = auth_headers()
    own = testapp.post_json(WORDLISTS, {"name": "Mes mots", "words": ["chat"]}, headers=headers).json["wordlist"]
    testapp.post_json("/api/v1/settings", {"default_wordlist_id": own["id"]}, headers=headers)
    dbsession.execute(WordList.__table__.delete().where(WordList.id == own["id"]))  # as an administrator would
    dbsession.commit()
    read = testapp.get("/api/v1/settings", headers=headers).json
    body = testapp.post_json("/api/v1/settings", {**read, "sentence_length_limit": 10}, headers=headers).json
    assert body["sentence_length_limit"] == 10
