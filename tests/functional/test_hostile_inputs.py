"""Input no field could accept is refused as the one JSON error (4xx), never a 500.

Each case was a 500 once: webob's multipart parser without a boundary, NUL and
lone surrogates reaching the database driver, an unknown charset, JSON nested
until the stack ran out, a path that is not UTF-8, integers that str.isdigit()
accepts and int() does not. On PostgreSQL (the CI leg with DATABASE_URL) the
NUL cases reach a real server.
"""

import base64
import json

import pytest

from tests.fakes.pdfs import text_pdf

DEEP = b"[" * 100_000 + b"]" * 100_000


def _json(testapp, method, url, raw, headers=None, content_type="application/json"):
    return testapp.request(
        url, method=method, body=raw, headers={**(headers or {}), "Content-Type": content_type}, expect_errors=True
    )


def assert_refused(response, status=400, field=None):
    assert response.status_int == status, response.body[:300]
    assert response.content_type == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = response.json
    assert body["error"] and body["code"]
    assert "Traceback" not in body["error"] and "Error" not in body["error"].split(":")[0]
    if field is not None:
        assert field in body["details"], body


UNAUTHENTICATED_POSTS = ["/api/v1/auth/refresh", "/api/v1/auth/google"]
AUTHENTICATED_POSTS = ["/api/v1/settings", "/api/v1/export-to-sheet", "/api/v1/process-pdf", "/api/v2/jobs"]


@pytest.mark.parametrize("url", UNAUTHENTICATED_POSTS + AUTHENTICATED_POSTS)
def test_multipart_without_a_boundary(testapp, auth_headers, url):
    response = _json(testapp, "POST", url, b"xx", auth_headers(), content_type="multipart/form-data")
    assert_refused(response, field="body")
    assert "boundary" in response.json["error"]


@pytest.mark.parametrize("url", UNAUTHENTICATED_POSTS + ["/api/v1/settings"])
def test_json_nested_too_deep(testapp, auth_headers, url):
    assert_refused(_json(testapp, "POST", url, DEEP, auth_headers()), field="body")


def test_an_unknown_charset_is_415(testapp, auth_headers):
    response = _json(
        testapp, "POST", "/api/v1/settings", b"{}", auth_headers(), content_type="application/json; charset=klingon"
    )
    assert_refused(response, status=415, field="Content-Type")
    assert "UTF-8" in response.json["error"]


def test_a_known_charset_other_than_utf8_is_refused_too(testapp, auth_headers):
    response = _json(
        testapp, "POST", "/api/v1/settings", b"{}", auth_headers(), content_type="application/json; charset=latin-1"
    )
    assert_refused(response, status=415)


def test_utf8_named_as_such_is_accepted(testapp, auth_headers):
    response = _json(
        testapp,
        "POST",
        "/api/v1/settings",
        b'{"sentence_length_limit": 9}',
        auth_headers(),
        content_type="application/json; charset=UTF-8",
    )
    assert response.status_int == 200


@pytest.mark.parametrize(
    "body,field",
    [
        ('{"refresh_token": "\\u0000.x"}', "refresh_token"),
        ('{"refresh_token": "\\ud800.x"}', "refresh_token"),
        ('{"token": "a\\u0000b"}', "token"),
    ],
)
def test_unstorable_text_before_sign_in(testapp, body, field):
    url = "/api/v1/auth/refresh" if "refresh" in body else "/api/v1/auth/google"
    assert_refused(_json(testapp, "POST", url, body.encode()), field=field)


@pytest.mark.parametrize(
    "body,field",
    [
        ('{"sentences": ["a\\u0000b"], "sheetName": "x"}', "sentences.0"),
        ('{"sentences": ["\\udc00"], "sheetName": "x"}', "sentences.0"),
        ('{"default_folder_id": "a\\u0000"}', "default_folder_id"),
        ('{"\\u0000": 1}', "body"),
    ],
)
def test_unstorable_text_in_bodies(testapp, auth_headers, body, field):
    url = "/api/v1/export-to-sheet" if "sentences" in body else "/api/v1/settings"
    response = _json(testapp, "POST", url, body.encode(), auth_headers())
    assert_refused(response, field=field)
    assert "\x00" not in response.text


@pytest.mark.parametrize(
    "url,field",
    [
        ("/api/v2/jobs/%00", "id"),
        ("/api/v1/status/%00", "job_id"),
        ("/api/v2/jobs/%00/exports/csv", "id"),
        ("/api/v2/jobs/abc/exports/cs%00v", "name"),
        ("/api/v1/history?limit=%00", "limit"),
    ],
)
def test_nul_in_paths_and_query_strings(testapp, auth_headers, url, field):
    assert_refused(testapp.get(url, headers=auth_headers(), expect_errors=True), field=field)


def test_a_cursor_whose_json_holds_nul(testapp, auth_headers):
    cursor = base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00", "a\x00b"]).encode()).decode().rstrip("=")
    response = testapp.get(f"/api/v2/jobs?cursor={cursor}", headers=auth_headers(), expect_errors=True)
    assert_refused(response, field="cursor")


@pytest.mark.parametrize("value", ["%C2%B2", "--1", "%D9%A3", "1_000", "%2B5"])
def test_integers_are_ascii_digits(testapp, auth_headers, value):
    assert_refused(testapp.get(f"/api/v1/history?limit={value}", headers=auth_headers(), expect_errors=True))
    assert_refused(testapp.get(f"/api/v2/jobs?cursor={value}", headers=auth_headers(), expect_errors=True))


def test_a_form_integer_of_superscript_two(testapp, auth_headers):
    response = testapp.post(
        "/api/v2/jobs",
        {"sentence_length_limit": "\u00b2"},
        upload_files=[("pdf_file", "novel.pdf", text_pdf())],
        headers=auth_headers(),
        expect_errors=True,
    )
    assert_refused(response, field="sentence_length_limit")


def test_an_upload_file_name_with_nul(testapp, auth_headers):
    response = testapp.post(
        "/api/v2/jobs",
        upload_files=[("pdf_file", "nov\x00el.pdf", text_pdf())],
        headers=auth_headers(),
        expect_errors=True,
    )
    assert_refused(response, field="pdf_file")


@pytest.mark.parametrize("url", ["/api/v1/health/live/%ff", "/api/v1/%ff", "/api/v2/jobs/%ff%fe"])
def test_a_path_that_is_not_utf8(testapp, url):
    response = testapp.get(url, expect_errors=True)
    assert_refused(response, field="path")


def test_a_query_string_that_is_not_utf8(testapp, auth_headers):
    assert_refused(testapp.get("/api/v1/history?limit=%ff", headers=auth_headers(), expect_errors=True))


def test_a_large_multipart_body_to_a_json_endpoint_is_413_before_it_is_read(testapp, auth_headers):
    boundary = "b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="x"\r\n\r\n'.encode()
        + b"a" * (2 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = _json(
        testapp,
        "PUT",
        "/api/v1/settings",
        body,
        auth_headers(),
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert_refused(response, status=413)


def test_uploads_still_take_the_file_limit(testapp, auth_headers):
    response = testapp.post(
        "/api/v2/jobs", upload_files=[("pdf_file", "novel.pdf", text_pdf())], headers=auth_headers(), expect_errors=True
    )
    assert response.status_int == 202
