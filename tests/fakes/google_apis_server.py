"""A local stand-in for Google Sheets v4, Drive v3 and the OAuth token refresh, speaking their HTTP protocol.

The real google-api-python-client and google-auth run against it (GOOGLE_API_ENDPOINT
and GOOGLE_TOKEN_URL point here). It keeps the spreadsheets it was asked to
create (and those a test put in the user's Drive), checks what real Google
checks and we rely on (a valid Bearer token, writes inside a tab's grid, a
valueInputOption, existing folders and tabs, edit rights, well-formed sharing),
and records every request so tests can assert what was sent -- or that nothing was.
"""

import copy
import datetime
import itertools
import re
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests.fakes.google_sheets_state import (
    ACCESS_LEVELS,
    EDITORS,
    ROOT_FOLDER,
    Spreadsheet,
    Tab,
    parse_range,
)
from tests.fakes.servers import FakeHTTPService, JsonHandlerMixin

PERMISSION_TYPES = ("user", "group", "domain", "anyone")
PERMISSION_ROLES = ("owner", "organizer", "fileOrganizer", "writer", "commenter", "reader")
# Drive's own check of an address is looser than ours; the fake only needs to refuse the obvious.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Addresses with no Google account: Drive shares with them only by sending an invitation.
NO_GOOGLE_ACCOUNT_DOMAIN = "no-google.example"


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict
    body: object
    authorization: str | None


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

    def add_spreadsheet(self, title="Mon classeur", tabs=None, access="owner", created_by_app=False):
        """A spreadsheet already in the user's Drive: ``tabs`` is ``{title: rows}`` in tab order."""
        assert access in ACCESS_LEVELS
        spreadsheet = Spreadsheet(
            id=f"existing-{next(self._ids)}",
            title=title,
            tabs=[],
            created_by_app=created_by_app,
            access=access,
        )
        for index, (tab_title, rows) in enumerate((tabs or {"Sheet1": []}).items()):
            tab = Tab(sheet_id=index * 1000 + 7, title=tab_title, index=index)
            tab.fill(rows)
            spreadsheet.tabs.append(tab)
        self.spreadsheets[spreadsheet.id] = spreadsheet
        return spreadsheet

    @property
    def api_requests(self):
        return [request for request in self.requests if request.path != "/token"]

    @property
    def token_requests(self):
        return [request for request in self.requests if request.path == "/token"]

    def calls(self, method, path_contains=""):
        """The recorded API requests of one kind, in order."""
        return [r for r in self.api_requests if r.method == method and path_contains in r.path]

    def only_spreadsheet(self):
        (spreadsheet,) = self.spreadsheets.values()
        return spreadsheet

    # -- serving --------------------------------------------------------------
    @property
    def token_url(self):
        return self.base_url + "/token"

    class Handler(JsonHandlerMixin, BaseHTTPRequestHandler):
        json_content_type = "application/json; charset=UTF-8"

        def _handle(self):
            url = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            body = self.read_form() if url.path == "/token" else self.read_json()
            request = RecordedRequest(self.command, unquote(url.path), query, body, self.headers.get("Authorization"))
            self.fake.requests.append(request)
            status, payload = self.fake.respond(request)
            self.send_json(status, payload)

        do_GET = do_POST = do_PUT = do_PATCH = _handle

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
        return self._route(request)

    def _route(self, request):
        method, path = request.method, request.path
        if method == "POST" and path == "/v4/spreadsheets":
            return self._create(request.body)
        if match := re.fullmatch(r"/v4/spreadsheets/([^/:]+)", path):
            return self._sheets_call(match.group(1), method, lambda s: (200, s.resource()), reads=True)
        if match := re.fullmatch(r"/v4/spreadsheets/([^/:]+)/values/(.+)", path):
            spreadsheet_id, a1_range = match.groups()
            if method == "GET":
                return self._sheets_call(spreadsheet_id, method, lambda s: self._read(s, a1_range), reads=True)
            if method == "PUT":
                return self._sheets_call(
                    spreadsheet_id, method, lambda s: self._write(s, a1_range, request.query, request.body)
                )
        if (match := re.fullmatch(r"/v4/spreadsheets/([^/:]+):batchUpdate", path)) and method == "POST":
            return self._sheets_call(match.group(1), method, lambda s: self._batch_update(s, request.body))
        if (match := re.fullmatch(r"/drive/v3/files/([^/]+)/permissions", path)) and method == "POST":
            return self._create_permission(match.group(1), request.query, request.body or {})
        if (match := re.fullmatch(r"/drive/v3/files/([^/]+)", path)) and method in ("GET", "PATCH"):
            return self._drive_file(method, match.group(1), request.query)
        return _error(404, f"No route {method} {path}", "NOT_FOUND")

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

    # -- Sheets -----------------------------------------------------------------
    def _sheets_call(self, spreadsheet_id, method, answer, reads=False):
        """Run ``answer(spreadsheet)`` if the user may: Sheets says 404 for no such file, 403 for no right."""
        spreadsheet = self.spreadsheets.get(spreadsheet_id)
        if spreadsheet is None:
            return _error(404, "Requested entity was not found.", "NOT_FOUND")
        if spreadsheet.access == "none" or (not reads and spreadsheet.access not in EDITORS):
            return _error(403, "The caller does not have permission", "PERMISSION_DENIED")
        return answer(spreadsheet)

    def _create(self, body):
        sheet = body["sheets"][0]["properties"]
        grid = sheet.get("gridProperties", {})
        tab = Tab(
            sheet_id=sheet.get("sheetId", 0),
            title=sheet.get("title", "Sheet1"),
            row_count=grid.get("rowCount", 1000),
            column_count=grid.get("columnCount", 26),
            frozen_rows=grid.get("frozenRowCount", 0),
        )
        spreadsheet = Spreadsheet(id=f"sheet-{next(self._ids)}", title=body["properties"]["title"], tabs=[tab])
        self.spreadsheets[spreadsheet.id] = spreadsheet
        return 200, spreadsheet.resource()

    @staticmethod
    def _read(spreadsheet, a1_range):
        parsed = parse_range(a1_range)
        tab = spreadsheet.tab(parsed.sheet) if parsed else None
        if tab is None:
            return _error(400, f"Unable to parse range: {a1_range}", "INVALID_ARGUMENT")
        values = tab.values()
        if parsed.has_cells:
            values = [
                row[parsed.first_column - 1 : parsed.last_column]
                for row in values[parsed.first_row - 1 : parsed.last_row]
            ]
        answer = {"range": a1_range, "majorDimension": "ROWS"}
        if values:
            answer["values"] = values  # Sheets leaves the key out of an empty range's answer
        return 200, answer

    @staticmethod
    def _write(spreadsheet, a1_range, query, body):
        if query.get("valueInputOption") not in ("RAW", "USER_ENTERED"):
            return _error(400, "'valueInputOption' is required but not specified", "INVALID_ARGUMENT")
        parsed = parse_range(a1_range)
        tab = spreadsheet.tab(parsed.sheet) if parsed else None
        if tab is None or not parsed.has_cells:
            return _error(400, f"Unable to parse range: {a1_range}", "INVALID_ARGUMENT")
        if parsed.last_row > tab.row_count or parsed.last_column > tab.column_count:
            return _error(400, f"Range ({a1_range}) exceeds grid limits.", "INVALID_ARGUMENT")
        values = body["values"]
        height, width = parsed.last_row - parsed.first_row + 1, parsed.last_column - parsed.first_column + 1
        if len(values) > height or any(len(row) > width for row in values):
            return _error(400, "Requested writing within range, but tried writing outside it.", "INVALID_ARGUMENT")
        for row_offset, row in enumerate(values):
            for column_offset, value in enumerate(row):
                tab.cells[(parsed.first_row + row_offset, parsed.first_column + column_offset)] = value
        return 200, {"spreadsheetId": spreadsheet.id, "updatedRange": a1_range, "updatedRows": len(values)}

    def _batch_update(self, spreadsheet, body):
        # Sheets applies a batch atomically: one invalid request and nothing changes.
        saved_tabs = copy.deepcopy(spreadsheet.tabs)
        replies = []
        for request in body["requests"]:
            reply = self._apply(spreadsheet, request)
            if isinstance(reply, tuple):
                spreadsheet.tabs = saved_tabs
                return reply
            replies.append(reply)
        spreadsheet.format_requests.extend(body["requests"])
        return 200, {"spreadsheetId": spreadsheet.id, "replies": replies}

    def _apply(self, spreadsheet, request):
        """Apply one batchUpdate request; its reply, or an ``(status, error)`` answer."""
        (kind, content), *others = request.items()
        if others:
            return _error(400, "Each request must name exactly one kind of update", "INVALID_ARGUMENT")
        if kind == "addSheet":
            return self._add_sheet(spreadsheet, content["properties"])
        sheet_id = _request_sheet_id(kind, content)
        tab = spreadsheet.tab_by_id(sheet_id)
        if tab is None:
            return _error(400, f"Invalid requests[0].{kind}: No grid with id: {sheet_id}", "INVALID_ARGUMENT")
        if kind == "appendDimension":
            if content.get("dimension") not in ("ROWS", "COLUMNS") or content.get("length", 0) < 1:
                return _error(400, "Invalid appendDimension: a dimension and a positive length", "INVALID_ARGUMENT")
            if content["dimension"] == "ROWS":
                tab.row_count += content["length"]
            else:
                tab.column_count += content["length"]
        elif kind == "updateSheetProperties":
            grid = content["properties"].get("gridProperties", {})
            tab.frozen_rows = grid.get("frozenRowCount", tab.frozen_rows)
        elif kind not in ("repeatCell", "updateDimensionProperties"):
            return _error(400, f"The fake does not know {kind}", "INVALID_ARGUMENT")
        return {}

    def _add_sheet(self, spreadsheet, properties):
        title = properties.get("title") or f"Sheet{len(spreadsheet.tabs) + 1}"
        if spreadsheet.has_tab_named(title):
            return _error(
                400,
                f'Invalid requests[0].addSheet: A sheet with the name "{title}" already exists. '
                "Please enter another name.",
                "INVALID_ARGUMENT",
            )
        grid = properties.get("gridProperties", {})
        tab = Tab(
            sheet_id=100_000 + next(self._ids),
            title=title,
            index=len(spreadsheet.tabs),
            row_count=grid.get("rowCount", 1000),
            column_count=grid.get("columnCount", 26),
            frozen_rows=grid.get("frozenRowCount", 0),
        )
        spreadsheet.tabs.append(tab)
        return {"addSheet": {"properties": tab.properties()}}

    # -- Drive ------------------------------------------------------------------
    def _visible_file(self, file_id):
        """The spreadsheet Drive shows us: under drive.file, only the app's own files."""
        spreadsheet = self.spreadsheets.get(file_id)
        if spreadsheet is None or not spreadsheet.created_by_app or spreadsheet.access == "none":
            return None
        return spreadsheet

    def _drive_file(self, method, file_id, query):
        spreadsheet = self._visible_file(file_id)
        if spreadsheet is None:
            return _error(404, f"File not found: {file_id}.", "notFound", "notFound", domain="global")
        if method == "GET":
            return 200, {"id": file_id, "parents": list(spreadsheet.parents)}
        added = [folder for folder in query.get("addParents", "").split(",") if folder]
        if any(folder not in self.folders for folder in added):
            return _error(404, f"File not found: {added[0]}.", "notFound")
        removed = set(query.get("removeParents", "").split(","))
        spreadsheet.parents = [parent for parent in spreadsheet.parents if parent not in removed] + added
        return 200, {"id": file_id, "parents": spreadsheet.parents}

    def _create_permission(self, file_id, query, body):
        spreadsheet = self._visible_file(file_id)
        if spreadsheet is None:
            return _error(404, f"File not found: {file_id}.", "notFound", "notFound", domain="global")
        if spreadsheet.access not in EDITORS:
            return _sharing_error(
                403, "The user does not have sufficient permissions for this file.", "insufficientFilePermissions"
            )
        kind, role, email = body.get("type"), body.get("role"), body.get("emailAddress")
        if kind not in PERMISSION_TYPES or role not in PERMISSION_ROLES:
            return _sharing_error(400, "The permission type or role is not valid.", "invalid")
        if kind in ("user", "group") and not (email and _EMAIL.match(email)):
            return _sharing_error(
                400, f'Bad Request. User message: "Invalid email address: {email}"', "invalidSharingRequest"
            )
        if kind == "anyone" and email:
            return _sharing_error(400, "An 'anyone' permission takes no emailAddress.", "invalid")
        notify = query.get("sendNotificationEmail", "true") == "true"
        if email and email.endswith("@" + NO_GOOGLE_ACCOUNT_DOMAIN) and not notify:
            return _sharing_error(
                400,
                f'Bad Request. User message: "You are trying to invite {email}. Since there is no Google '
                "account associated with this email address, you must check the 'Notify people' box to "
                'invite this recipient."',
                "invalidSharingRequest",
            )
        permission = {
            "id": f"permission-{next(self._ids)}",
            "type": kind,
            "role": role,
            **({"emailAddress": email} if email else {}),
            **({"allowFileDiscovery": body["allowFileDiscovery"]} if "allowFileDiscovery" in body else {}),
            "notified": notify,
        }
        spreadsheet.permissions.append(permission)
        return 200, {"kind": "drive#permission", "id": permission["id"], "type": kind, "role": role}


def _request_sheet_id(kind, content):
    if kind == "appendDimension":
        return content.get("sheetId")
    if kind == "updateSheetProperties":
        return content["properties"].get("sheetId")
    return content.get("range", {}).get("sheetId")


def _sharing_error(status, message, reason):
    return _error(
        status, message, "INVALID_ARGUMENT" if status == 400 else "PERMISSION_DENIED", reason, domain="global"
    )


def _error(status, message, status_name, reason=None, domain="usageLimits"):
    error = {"code": status, "message": message, "status": status_name}
    if reason:
        error["errors"] = [{"reason": reason, "message": message, "domain": domain}]
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


def sheets_settings(google_apis, max_retries=2):
    """Settings that point Sheets, Drive and token refresh at the fake, retrying without waiting."""
    return {
        "google.api_endpoint": google_apis.base_url,
        "google.token_url": google_apis.token_url,
        "google.api_backoff_seconds": "0",
        "google.api_max_retries": str(max_retries),
    }


@pytest.fixture
def sheets_app(make_app, google_apis):
    """The app with Sheets, Drive and token refresh pointed at the fake."""
    return make_app(**sheets_settings(google_apis))


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
