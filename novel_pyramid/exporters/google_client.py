"""Sheets v4 and Drive v3 clients for one user, with our retry policy and error mapping.

google-api-python-client builds the clients from the discovery documents it
ships (``static_discovery=True``: no network call to fetch them). When
GOOGLE_API_ENDPOINT is set, every call goes to that root instead of Google's,
keeping each API's own path (``/v4/...`` for Sheets, ``/drive/v3/...`` for
Drive), which is how tests point the real client at a local fake.
"""

import json
import logging
import random
import time

import httplib2
from google.auth import exceptions as google_exceptions
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from novel_pyramid.errors import Forbidden, UpstreamError
from novel_pyramid.exporters.google_auth import (
    REVOKED_GRANT_MESSAGE,
    credentials_for,
    refresh_error,
    save_refreshed_tokens,
)

log = logging.getLogger(__name__)

# Google asks clients to back off and retry on these (Sheets usage limits: 429
# when a per-minute quota is exhausted; 5xx for temporary server trouble).
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# Drive (and older Sheets answers) report an exhausted quota as 403 with one of these reasons.
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
DRIVE_SERVICE_PATH = "drive/v3/"


def _api_endpoints(root):
    if not root:
        return {}, {}
    root = root.rstrip("/") + "/"
    return {"api_endpoint": root}, {"api_endpoint": root + DRIVE_SERVICE_PATH}


class GoogleApis:
    """The Sheets and Drive clients of one export, authorised as ``user``.

    Use as a context manager: on the way out, a token google-auth refreshed is
    copied back to the user row, even when the export failed part-way.
    """

    def __init__(self, user, settings):
        self.user = user
        self.credentials = credentials_for(user, settings)
        self.max_retries = settings["google.api_max_retries"]
        self.backoff_seconds = settings["google.api_backoff_seconds"]
        http = AuthorizedHttp(self.credentials, http=httplib2.Http(timeout=settings["google.api_timeout_seconds"]))
        sheets_options, drive_options = _api_endpoints(settings["google.api_endpoint"])
        self.sheets = build("sheets", "v4", http=http, static_discovery=True, client_options=sheets_options)
        self.drive = build("drive", "v3", http=http, static_discovery=True, client_options=drive_options)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        save_refreshed_tokens(self.user, self.credentials)
        return False

    def call(self, request, action, errors=None):
        """Execute one API request, retrying what Google says is temporary.

        ``action`` names the step in messages ("write rows 1-2000"). ``errors``
        maps an HTTP status to ``make() -> AppError`` for answers that mean
        bad input here (a 404 for a folder the user named); a quota answer is
        retried before it is looked up. We retry ourselves instead of
        ``execute(num_retries=...)`` so the backoff is a setting (tests run with
        none) and every failure ends as one domain error.
        """
        for attempt in range(self.max_retries + 1):
            try:
                return request.execute(num_retries=0)
            except HttpError as exc:
                status = exc.resp.status
                temporary = _is_temporary(exc)
                if not temporary and errors and status in errors:
                    # Google's own wording stays in the log: clients get our message.
                    log.warning("Google API %s refused with %s: %s", action, status, _reason(exc))
                    raise errors[status]() from None
                if not temporary or attempt == self.max_retries:
                    raise _http_error(exc, action) from None
                log.warning("Google API %s answered %s; retrying (%d)", action, status, attempt + 1)
            except (google_exceptions.RefreshError, google_exceptions.TransportError) as exc:
                raise refresh_error(exc) from None
            except (OSError, httplib2.HttpLib2Error) as exc:
                if attempt == self.max_retries:
                    raise UpstreamError(f"Google Sheets could not be reached ({action}); try again later") from None
                log.warning("Google API %s failed: %s; retrying (%d)", action, exc, attempt + 1)
            self._sleep(attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _sleep(self, attempt):
        if self.backoff_seconds > 0:
            # Exponential backoff with full jitter, as Google's usage-limits guide asks.
            time.sleep(random.uniform(0, self.backoff_seconds * 2**attempt))


def _error_body(exc):
    try:
        error = json.loads(exc.content.decode("utf-8", "replace")).get("error", {})
    except (ValueError, AttributeError):
        return {}
    return error if isinstance(error, dict) else {"message": str(error)}


def _reason(exc):
    return str(_error_body(exc).get("message", ""))


def _is_temporary(exc):
    if exc.resp.status in RETRYABLE_STATUSES:
        return True
    details = _error_body(exc).get("errors") or []
    reasons = {item.get("reason") for item in details if isinstance(item, dict)}
    return exc.resp.status == 403 and bool(reasons & RATE_LIMIT_REASONS)


def _http_error(exc, action):
    """The domain error for a final HTTP failure of a Sheets or Drive call."""
    status = exc.resp.status
    reason = _reason(exc)
    log.warning("Google API %s failed with %s: %s", action, status, reason)
    if status == 401:
        # AuthorizedHttp already refreshed the token once and Google still refuses it.
        return Forbidden(REVOKED_GRANT_MESSAGE, details={"google": ["sign_in_again"]})
    if status == 403 and not _is_temporary(exc):
        return Forbidden(
            f"Google refused to {action}. Sign in with Google again and allow access to Google Sheets and Drive."
        )
    if _is_temporary(exc):
        return UpstreamError(f"Google Sheets is unavailable (HTTP {status} while trying to {action}); try again later")
    return UpstreamError(f"Google Sheets rejected the request to {action} (HTTP {status})")
