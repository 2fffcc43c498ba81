"""Google sign-in: verify an ID token, or exchange an authorization code for tokens.

google-auth does the verification (signature against GOOGLE_CERTS_URL, audience,
expiry); we add the issuer check and keep the OAuth tokens the code exchange
returns so the user can export to Sheets.
"""

import datetime
import logging

import google.auth.transport.requests
import requests
from google.auth import exceptions as google_exceptions
from google.oauth2 import id_token
from zope.interface import implementer

from novel_pyramid.auth.interfaces import IGoogleSignIn
from novel_pyramid.errors import Unauthorized, UpstreamError

log = logging.getLogger(__name__)

GOOGLE_ISSUERS = {"accounts.google.com", "https://accounts.google.com"}
HTTP_TIMEOUT_SECONDS = 10


@implementer(IGoogleSignIn)
class GoogleSignIn:
    def __init__(self, client_id, client_secret, certs_url, token_url, redirect_uri):
        self.client_id = client_id
        self.client_secret = client_secret
        self.certs_url = certs_url
        self.token_url = token_url
        self.redirect_uri = redirect_uri
        self.http = requests.Session()

    @classmethod
    def from_settings(cls, settings):
        return cls(
            settings["google.client_id"],
            settings["google.client_secret"],
            settings["google.certs_url"],
            settings["google.token_url"],
            settings["google.redirect_uri"],
        )

    def verify_id_token(self, token):
        """Return the verified claims of a Google ID token, or raise ``Unauthorized``."""
        if not self.client_id:
            raise Unauthorized("Google sign-in is not configured on this server")
        transport = google.auth.transport.requests.Request(session=self.http)
        try:
            claims = id_token.verify_token(
                token,
                transport,
                audience=self.client_id,
                certs_url=self.certs_url,
                clock_skew_in_seconds=10,
            )
        except google_exceptions.TransportError as exc:
            log.warning("Could not fetch Google certificates: %s", exc)
            raise UpstreamError("Google sign-in is unreachable; try again shortly") from None
        except (ValueError, google_exceptions.GoogleAuthError) as exc:
            log.info("Rejected Google ID token: %s", exc)
            raise Unauthorized("Invalid Google token") from None
        if claims.get("iss") not in GOOGLE_ISSUERS:
            raise Unauthorized("Invalid Google token")
        if not claims.get("email") or claims.get("email_verified") is False:
            raise Unauthorized("Google account has no verified email")
        return claims

    def exchange_code(self, code):
        """Trade an authorization code for Google tokens; return (claims, oauth_tokens)."""
        if not (self.client_id and self.client_secret):
            raise Unauthorized("Google sign-in is not configured on this server")
        try:
            response = self.http.post(
                self.token_url,
                data={
                    "code": code,
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "redirect_uri": self.redirect_uri,
                    "grant_type": "authorization_code",
                },
                timeout=HTTP_TIMEOUT_SECONDS,
            )
        except requests.RequestException as exc:
            log.warning("Google token endpoint unreachable: %s", exc)
            raise UpstreamError("Google sign-in is unreachable; try again shortly") from None
        if response.status_code >= 500:
            raise UpstreamError("Google sign-in failed; try again shortly")
        if response.status_code != 200:
            raise Unauthorized("Invalid or expired authorization code")
        try:
            payload = response.json()
        except ValueError:
            raise UpstreamError("Google sign-in answered with an unreadable response") from None
        if not isinstance(payload, dict) or "id_token" not in payload:
            raise Unauthorized("Invalid or expired authorization code")
        claims = self.verify_id_token(payload["id_token"])
        expires_in = payload.get("expires_in")
        oauth_tokens = {
            "access_token": payload.get("access_token"),
            "refresh_token": payload.get("refresh_token"),
            "expiry": (
                datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(seconds=int(expires_in))
                if isinstance(expires_in, int | float | str) and str(expires_in).isdigit()
                else None
            ),
        }
        return claims, oauth_tokens
