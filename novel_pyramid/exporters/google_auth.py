"""The user's stored Google OAuth grant as google-auth credentials, and saving a refreshed token.

google-auth refreshes an expired access token by itself (through
GOOGLE_TOKEN_URL, with the stored refresh token) right before a request; we
only build the credentials from the user row and copy the new token back so
the next export does not refresh again.
"""

from google.auth import exceptions as google_exceptions
from google.oauth2.credentials import Credentials

from novel_pyramid.accounts.services import AccountService
from novel_pyramid.errors import Forbidden, UpstreamError

SHEETS_SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive.file",
)

NO_GRANT_MESSAGE = (
    "Google Sheets access has not been granted. Sign in with Google again and allow access to Google Sheets."
)
REVOKED_GRANT_MESSAGE = (
    "Google access has expired or was revoked. Sign in with Google again to export to Google Sheets."
)


class GoogleGrantRevoked(Forbidden):
    """Google refused the stored grant for good (revoked, expired): only a new sign-in helps."""

    def __init__(self):
        super().__init__(REVOKED_GRANT_MESSAGE, details={"google": ["sign_in_again"]})


def require_sheets_grant(user):
    """Refuse early (403) when the user never gave us a Google grant."""
    if not user.has_sheets_access:
        raise Forbidden(NO_GRANT_MESSAGE)


def credentials_for(user, settings):
    """google-auth credentials holding the user's stored tokens."""
    require_sheets_grant(user)
    return Credentials(
        token=user.google_access_token,
        refresh_token=user.google_refresh_token,
        token_uri=settings["google.token_url"],
        client_id=settings["google.client_id"],
        client_secret=settings["google.client_secret"],
        scopes=list(SHEETS_SCOPES),
        # Both are naive UTC: google-auth compares expiry with its own naive utcnow.
        expiry=user.google_token_expiry,
    )


def save_refreshed_tokens(user, credentials):
    """Copy a token google-auth refreshed back to the user row, which accounts owns."""
    AccountService.save_refreshed_google_tokens(user, credentials.token, credentials.expiry, credentials.refresh_token)


def refresh_error(exc):
    """The domain error for a failed token refresh.

    A temporary failure of Google's token endpoint is ours to report as 502; an
    answer such as ``invalid_grant`` means the user revoked us (or the grant
    expired) and only a new sign-in helps, so the message says so.
    """
    if isinstance(exc, google_exceptions.RefreshError) and getattr(exc, "retryable", False):
        return UpstreamError("Google sign-in is unavailable; try the export again shortly")
    if isinstance(exc, google_exceptions.TransportError):
        return UpstreamError("Google sign-in is unreachable; try the export again shortly")
    return GoogleGrantRevoked()
