"""The rate-limit buckets (docs/api.md, "Everywhere") on the real routes: uploads 10/hour/user, exports 5/hour/user.

Requests here are refused by validation (no file, empty body, unknown job): a
request is counted before its input is checked, so these cost no processing.
"""

import pytest

from tests.functional.conftest import bearer


@pytest.fixture
def app(make_app):
    return make_app(**{"ratelimit.enabled": "true", "ratelimit.storage_url": "memory://"})


@pytest.fixture
def lea(app):
    token = app.post_json("/api/v1/auth/dev-login", {"email": "lea@example.com"}).json["access_token"]
    return bearer(token)


def test_process_pdf_and_v2_job_creation_share_ten_an_hour(app, lea):
    for index in range(10):
        path = "/api/v1/process-pdf" if index % 2 else "/api/v2/jobs"
        response = app.post(path, headers=lea, status=400)
        assert response.headers["X-RateLimit-Limit"] == "10"
        assert response.headers["X-RateLimit-Remaining"] == str(9 - index)
    refused = app.post("/api/v1/process-pdf", headers=lea, status=429)
    assert refused.json["code"] == "rate_limited"
    app.post("/api/v2/jobs", headers=lea, status=429)
    # Other routes draw from the general allowance.
    assert app.get("/api/v1/history", headers=lea).headers["X-RateLimit-Limit"] == "100"


def test_exports_share_five_an_hour(app, lea):
    for _ in range(3):
        assert app.post_json("/api/v1/export-to-sheet", {}, headers=lea, status=400).headers["X-RateLimit-Limit"] == "5"
    for _ in range(2):
        app.post_json("/api/v2/jobs/unknown-job/exports", {"exporter": "google_sheets"}, headers=lea, status="4*")
    refused = app.post_json("/api/v1/export-to-sheet", {}, headers=lea, status=429)
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert int(refused.headers["Retry-After"]) <= 3600


def test_each_user_has_their_own_upload_allowance(app, lea):
    tom = bearer(app.post_json("/api/v1/auth/dev-login", {"email": "tom@example.com"}).json["access_token"])
    for _ in range(10):
        app.post("/api/v2/jobs", headers=lea, status=400)
    app.post("/api/v2/jobs", headers=lea, status=429)
    assert app.post("/api/v2/jobs", headers=tom, status=400).headers["X-RateLimit-Remaining"] == "9"


def test_reading_a_users_sheet_again_shares_the_sheets_import_allowance(app, lea):
    # Refused (no such list, no such sheet) but counted: each reads the user's Google quota when it works.
    for path in ("/api/v1/wordlists/999/refresh", "/api/v2/wordlists/999/refresh"):
        assert app.post(path, headers=lea, status=404).headers["X-RateLimit-Limit"] == "20"
    imported = app.post_json("/api/v1/coverage/import-from-sheets", {}, headers=lea, status=400)
    assert imported.headers["X-RateLimit-Remaining"] == "17"
