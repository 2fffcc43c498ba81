"""Bodies over their limit are refused with 413 before they are read."""

import io

import pytest
import webob

from novel_pyramid.security.body_size import RETRYABLE_BODY_BYTES, retry_attempts_for


class CountingStream(io.BytesIO):
    """A request body that remembers how much of it was read."""

    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def post_raw(app, path, body, content_type, headers, content_length=True):
    """POST straight to the WSGI app, with a body stream that counts what is read."""
    stream = CountingStream(body)
    request = webob.Request.blank(path, method="POST", headers=headers)
    request.environ.update({"wsgi.input": stream, "CONTENT_TYPE": content_type})
    if content_length:
        request.environ["CONTENT_LENGTH"] = str(len(body))
    else:
        request.environ.pop("CONTENT_LENGTH", None)
        request.environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        # What gunicorn says of a chunked body it hands over.
        request.environ["wsgi.input_terminated"] = True
    return request.get_response(app.app), stream


@pytest.fixture
def small_limits_app(make_app):
    return make_app(**{"security.max_body_bytes": "2048", "max_file_size": "4096"})


@pytest.fixture
def headers(small_limits_app):
    tokens = small_limits_app.post_json("/api/v1/auth/dev-login", {"email": "lea@example.com"}).json
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_json_body_over_the_limit_is_refused_unread(small_limits_app, headers):
    # Larger than what pyramid_retry may copy to replay a request.
    body = b'{"sentence_length_limit": 9, "pad": "' + b"x" * (RETRYABLE_BODY_BYTES + 1) + b'"}'
    response, stream = post_raw(small_limits_app, "/api/v1/settings", body, "application/json", headers)
    assert response.status_code == 413
    assert response.json["code"] == "payload_too_large"
    assert "2048 bytes" in response.json["error"]
    assert stream.bytes_read == 0


def test_chunked_body_is_read_only_up_to_the_limit(small_limits_app, headers):
    body = b'{"pad": "' + b"x" * 100_000 + b'"}'
    response, stream = post_raw(
        small_limits_app, "/api/v1/settings", body, "application/json", headers, content_length=False
    )
    assert response.status_code == 413
    assert stream.bytes_read <= 2049


def test_upload_over_max_file_size_is_refused_unread(small_limits_app, headers):
    body = b"--b\r\n" + b"x" * 200_000 + b"\r\n--b--\r\n"
    response, stream = post_raw(
        small_limits_app, "/api/v1/process-pdf", body, "multipart/form-data; boundary=b", headers
    )
    assert response.status_code == 413
    assert "4096 bytes" in response.json["error"]
    assert stream.bytes_read == 0


def test_bodies_within_the_limit_pass(small_limits_app, headers):
    response = small_limits_app.post_json("/api/v1/settings", {"sentence_length_limit": 9}, headers=headers)
    assert response.json["sentence_length_limit"] == 9


def test_export_declares_a_larger_limit(make_app):
    app = make_app(**{"security.max_body_bytes": "2048"})
    tokens = app.post_json("/api/v1/auth/dev-login", {"email": "lea@example.com"}).json
    response = app.post_json(
        "/api/v1/export-to-sheet",
        {"sentences": ["Une phrase."] * 500, "sheetName": "Roman"},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        expect_errors=True,
    )
    # Past the size check: refused for the missing Google grant, not for its size.
    assert response.status_int == 403


class FakeRequest:
    def __init__(self, method="POST", content_type="application/json", content_length=10):
        self.method = method
        self.content_type = content_type
        self.content_length = content_length


def test_large_or_unsized_bodies_get_a_single_attempt():
    assert retry_attempts_for(FakeRequest(content_type="multipart/form-data")) == 1
    assert retry_attempts_for(FakeRequest(content_length=None)) == 1
    assert retry_attempts_for(FakeRequest(content_length=RETRYABLE_BODY_BYTES + 1)) == 1
    assert retry_attempts_for(FakeRequest()) is None
    assert retry_attempts_for(FakeRequest(method="DELETE", content_length=None)) is None
    # Reads have nothing to retry (no write conflicts): no body copy for them.
    assert retry_attempts_for(FakeRequest(method="GET", content_length=None)) == 1
    assert retry_attempts_for(FakeRequest(method="HEAD")) == 1


def test_small_bodies_over_the_limit_are_refused_too(small_limits_app, headers):
    body = b'{"pad": "' + b"x" * 10_000 + b'"}'
    response, _ = post_raw(small_limits_app, "/api/v1/settings", body, "application/json", headers)
    assert response.status_code == 413
