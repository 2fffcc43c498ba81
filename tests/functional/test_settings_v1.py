"""v1 settings: defaults, saving, validation that writes nothing."""

import pytest
from sqlalchemy import func, select

from novel_pyramid.accounts.models import UserSettings


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
