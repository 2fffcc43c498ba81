"""A local stand-in for Google Sheets v4, Drive v3 and the OAuth token refresh, speaking their HTTP protocol.

The real google-api-python-client and google-auth run against it (GOOGLE_API_ENDPOINT
and GOOGLE_TOKEN_URL point here). It keeps the spreadsheets it was asked to
create, checks what real Google checks and we rely on (a valid Bearer token,
writes inside the sheet's grid, a valueInputOption, existing folders), and
records every request so tests can assert what was sent -- or that nothing was.
"""

import datetime
import itertools
import re
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.fakes.servers import FakeHTTPService, JsonHandlerMixin

ROOT_FOLDER = "root-folder-id"
_RANGE = re.compile(r"^'?(?P<sheet>[^'!]+)'?!(?P<c1>[A-Z]+)(?P<r1>\d+):(?P<c2>[A-Z]+)(?P<r2>\d+)$")


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict
    body: object
    authorization: str | None


@dataclass
class Spreadsheet:
    id: str
    title: str
    row_count: int
    column_count: int
    sheet_title: str
    frozen_rows: int
    cells: dict = field(default_factory=dict)  # (row, column) -> value, both 1-based
    format_requests: list = field(default_factory=list)
    parents: list = field(default_factory=lambda: [ROOT_FOLDER])

    def row(self, number):
        return [self.cells.get((number, column)) for column in range(1, self.column_count + 1)]


def _column_number(letters):
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


class FakeGoogleApis(FakeHTTPService):
    def __init__(self, client_id="test-client.apps.googleusercontent.com"):
        self.client_id = client_id
        self._server = None
        self.reset()

    def reset(self):
        self.requests = []
        self.spreadsheets = {}
        self.folders = {ROOT_FOLDER, "folder-abc"}
        self.access_tokens = set()
        self.refresh_tokens = set()
        self.failures = []  # [(method, path fragment, status, reason)], each used once
        self._ids = itertools.count(1)

    # -- test controls --------------------------------------------------------
    def grant(self, access_token="google-access-1", refresh_token="google-refresh-1"):
        """Make Google accept these tokens (as if the user had consented)."""
        if access_token:
            self.access_tokens.add(access_token)
        if refresh_token:
            self.refresh_tokens.add(refresh_token)

    def revoke(self, refresh_token="google-refresh-1"):
        self.refresh_tokens.discard(refresh_token)
        self.access_tokens.clear()

    def fail_next(self, status, times=1, method="PUT", path_contains="/values/", reason="backendError"):
        """Answer the next matching requests with ``status`` (and Google's ``errors[].reason``)."""
        self.failures.extend([(method, path_contains, status, reason)] * times)

    @property
    def api_requests(self):
        return [request for request in self.requests if request.path != "/token"]

    @property
    def token_requests(self):
        return [request for request in self.requests if request.path == "/token"]

    def only_spreadsheet(self):
        (spreadsheet,) = self.spreadsheets.values()
        return spreadsheet

    # -- serving --------------------------------------------------------------
    @property
    def token_url(self):
        return self.base_url + "/token"

    def handler(self):
        fake = self

        class Handler(JsonHandlerMixin, BaseHTTPRequestHandler):
            json_content_type = "application/json; charset=UTF-8"

            def _handle(self):
                url = urlsplit(self.path)
                query = {key: values[0] for key, values in parse_qs(url.query).items()}
                body = self.read_form() if url.path == "/token" else self.read_json()
                request = RecordedRequest(
                    self.command, unquote(url.path), query, body, self.headers.get("Authorization")
                )
                fake.requests.append(request)
                status, payload = fake.respond(request)
                self.send_json(status, payload)

            do_GET = do_POST = do_PUT = do_PATCH = _handle

        return Handler

    # -- the protocol -----------------------------------------------------------
    def respond(self, request):
        if request.path == "/token":
            return self._token(request.body)
        token = (request.authorization or "").removeprefix("Bearer ")
        if token not in self.access_tokens:
            return _error(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED")
        for index, (method, fragment, status, reason) in enumerate(self.failures):
            if method == request.method and fragment in request.path:
                del self.failures[index]
                return _error(status, "Injected failure", "UNAVAILABLE", reason)
        path = request.path
        if request.method == "POST" and path == "/v4/spreadsheets":
            return self._create(request.body)
        match = re.fullmatch(r"/v4/spreadsheets/([^/:]+)/values/(.+)", path)
        if request.method == "PUT" and match:
            return self._write(match.group(1), match.group(2), request.query, request.body)
        match = re.fullmatch(r"/v4/spreadsheets/([^/:]+):batchUpdate", path)
        if request.method == "POST" and match:
            return self._batch_update(match.group(1), request.body)
        match = re.fullmatch(r"/drive/v3/files/([^/]+)", path)
        if match and request.method in ("GET", "PATCH"):
            return self._drive_file(request.method, match.group(1), request.query)
        return _error(404, f"No route {request.method} {path}", "NOT_FOUND")

    def _token(self, form):
        if form.get("client_id") != self.client_id:
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") not in self.refresh_tokens:
            return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
        access_token = f"google-access-refreshed-{next(self._ids)}"
        self.access_tokens.add(access_token)
        return 200, {
            "access_token": access_token,
            "expires_in": 3599,
            "token_type": "Bearer",
            "scope": "https://www.googleapis.com/auth/spreadsheets",
        }

    def _create(self, body):
        sheet = body["sheets"][0]["properties"]
        grid = sheet.get("gridProperties", {})
        spreadsheet = Spreadsheet(
            id=f"sheet-{next(self._ids)}",
            title=body["properties"]["title"],
            row_count=grid.get("rowCount", 1000),
            column_count=grid.get("columnCount", 26),
            sheet_title=sheet.get("title", "Sheet1"),
            frozen_rows=grid.get("frozenRowCount", 0),
        )
        self.spreadsheets[spreadsheet.id] = spreadsheet
        properties = {"sheetId": sheet.get("sheetId", 0), "title": spreadsheet.sheet_title, "gridProperties": grid}
        return 200, {
            "spreadsheetId": spreadsheet.id,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{spreadsheet.id}/edit",
            "sheets": [{"properties": properties}],
        }

    def _write(self, spreadsheet_id, a1_range, query, body):
        spreadsheet = self.spreadsheets.get(spreadsheet_id)
        if spreadsheet is None:
            return _error(404, "Requested entity was not found.", "NOT_FOUND")
        if query.get("valueInputOption") not in ("RAW", "USER_ENTERED"):
            return _error(400, "'valueInputOption' is required but not specified", "INVALID_ARGUMENT")
        match = _RANGE.match(a1_range)
        if not match or match.group("sheet") != spreadsheet.sheet_title:
            return _error(400, f"Unable to parse range: {a1_range}", "INVALID_ARGUMENT")
        first_row, last_row = int(match.group("r1")), int(match.group("r2"))
        first_column, last_column = _column_number(match.group("c1")), _column_number(match.group("c2"))
        if last_row > spreadsheet.row_count or last_column > spreadsheet.column_count:
            return _error(400, f"Range ({a1_range}) exceeds grid limits.", "INVALID_ARGUMENT")
        values = body["values"]
        if len(values) > last_row - first_row + 1 or any(len(row) > last_column - first_column + 1 for row in values):
            return _error(400, "Requested writing within range, but tried writing outside it.", "INVALID_ARGUMENT")
        for row_offset, row in enumerate(values):
            for column_offset, value in enumerate(row):
                spreadsheet.cells[(first_row + row_offset, first_column + column_offset)] = value
        return 200, {"spreadsheetId": spreadsheet_id, "updatedRange": a1_range, "updatedRows": len(values)}

    def _batch_update(self, spreadsheet_id, body):
        spreadsheet = self.spreadsheets.get(spreadsheet_id)
        if spreadsheet is None:
            return _error(404, "Requested entity was not found.", "NOT_FOUND")
        spreadsheet.format_requests.extend(body["requests"])
        return 200, {"spreadsheetId": spreadsheet_id, "replies": [{} for _ in body["requests"]]}

    def _drive_file(self, method, file_id, query):
        spreadsheet = self.spreadsheets.get(file_id)
        if spreadsheet is None:
            return _error(404, f"File not found: {file_id}.", "notFound")
        if method == "GET":
            return 200, {"id": file_id, "parents": list(spreadsheet.parents)}
        added = [folder for folder in query.get("addParents", "").split(",") if folder]
        if any(folder not in self.folders for folder in added):
            return _error(404, f"File not found: {added[0]}.", "notFound")
        removed = set(query.get("removeParents", "").split(","))
        spreadsheet.parents = [parent for parent in spreadsheet.parents if parent not in removed] + added
        return 200, {"id": file_id, "parents": spreadsheet.parents}


def _error(status, message, status_name, reason=None):
    error = {"code": status, "message": message, "status": status_name}
    if reason:
        error["errors"] = [{"reason": reason, "message": message, "domain": "usageLimits"}]
    return status, {"error": error}


# -- pytest fixtures for the tests that use this fake ---------------------------------
@pytest.fixture(scope="session")
def google_apis_server():
    server = FakeGoogleApis().start()
    yield server
    server.stop()


@pytest.fixture
def google_apis(google_apis_server):
    google_apis_server.reset()
    return google_apis_server


@pytest.fixture
def sheets_app(make_app, google_apis):
    """The app with Sheets, Drive and token refresh pointed at the fake; retries without waiting."""
    return make_app(
        **{
            "google.api_endpoint": google_apis.base_url,
            "google.token_url": google_apis.token_url,
            "google.api_backoff_seconds": "0",
            "google.api_max_retries": "2",
        }
    )


@pytest.fixture
def signed_in(sheets_app, make_user, google_apis):
    """Sign a user holding a Google grant in to ``sheets_app``; returns their auth headers."""
    # Imported here: this module is also used where the app's packages are not wanted.
    from novel_pyramid.db.types import utcnow
    from tests.functional.conftest import bearer

    def sign_in(email="lea@example.com", access="google-access-1", refresh="google-refresh-1", expiry=None):
        google_apis.grant(access, refresh)
        make_user(
            email,
            google_access_token=access,
            google_refresh_token=refresh,
            google_token_expiry=expiry or utcnow() + datetime.timedelta(hours=1),
        )
        token = sheets_app.post_json("/api/v1/auth/dev-login", {"email": email}).json["access_token"]
        return bearer(token)

    return sign_in
