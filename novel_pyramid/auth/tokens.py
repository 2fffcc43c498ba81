"""Access tokens (short-lived JWTs) and refresh tokens (opaque, stored hashed).

Access tokens are HS256 JWTs whose header names the signing key (``kid``), so
keys can rotate: the newest key signs, retired keys still verify until their
tokens expire. The same keys derive the successor of a rotated refresh token.
"""

import base64
import datetime
import hashlib
import hmac
import secrets

import jwt
from zope.interface import implementer

from novel_pyramid.auth.interfaces import IAccessTokens, IRefreshSuccessors
from novel_pyramid.errors import Unauthorized

ALGORITHM = "HS256"
ISSUER = "novel-pyramid"
AUDIENCE = "novel-pyramid-api"
ACCESS = "access"


def key_id(key):
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


@implementer(IAccessTokens)
class AccessTokens:
    """Issues and verifies access tokens with a current key and retired ones."""

    def __init__(self, secret_key, previous_keys=(), lifetime=datetime.timedelta(hours=1)):
        self.signing_key = secret_key
        self.lifetime = lifetime
        self.verification_keys = {key_id(k): k for k in (secret_key, *previous_keys)}

    @classmethod
    def from_settings(cls, settings):
        return cls(
            settings["jwt.secret_key"],
            settings["jwt.previous_secret_keys"],
            datetime.timedelta(hours=settings["jwt.access_token_expires_hours"]),
        )

    def issue(self, user_id, session_id, now=None):
        now = now or datetime.datetime.now(datetime.UTC)
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": str(user_id),
            "sid": session_id,
            "typ": ACCESS,
            "iat": now,
            "exp": now + self.lifetime,
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(claims, self.signing_key, algorithm=ALGORITHM, headers={"kid": key_id(self.signing_key)})

    def verify(self, token):
        """Return the claims of a valid access token, or raise ``Unauthorized``."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("Invalid access token") from None
        key = self.verification_keys.get(header.get("kid"))
        if key is None or header.get("alg") != ALGORITHM:
            raise Unauthorized("Invalid access token")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "sid", "typ"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("Access token has expired") from None
        except jwt.PyJWTError:
            raise Unauthorized("Invalid access token") from None
        if claims.get("typ") != ACCESS or not str(claims["sub"]).isdigit():
            raise Unauthorized("Invalid access token")
        return claims


@implementer(IRefreshSuccessors)
class RefreshSuccessors:
    """Derives the refresh token that replaces a presented one: ``<session id>.<HMAC(key, presented)>``.

    Every request presenting the same token computes the same successor, so
    concurrent refreshes can all answer the one token the winner stored, and no
    token is ever kept in clear. The current key derives; retired keys still
    recognise a successor derived just before a key rotation.
    """

    CONTEXT = b"novel-pyramid refresh-token successor"

    def __init__(self, secret_key, previous_keys=()):
        # A key of its own per signing key, so a successor is never an HMAC an access token could also carry.
        self._keys = [hmac.digest(key.encode(), self.CONTEXT, "sha256") for key in (secret_key, *previous_keys)]

    @classmethod
    def from_settings(cls, settings):
        return cls(settings["jwt.secret_key"], settings["jwt.previous_secret_keys"])

    def successor(self, refresh_token):
        return self._derive(self._keys[0], refresh_token)

    def candidates(self, refresh_token):
        """The successor under each known key, the current key first."""
        return [self._derive(key, refresh_token) for key in self._keys]

    @staticmethod
    def _derive(key, refresh_token):
        mac = hmac.digest(key, refresh_token.encode(), "sha256")
        return f"{session_id_of(refresh_token)}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def new_refresh_token(session_id):
    """An opaque refresh token: the session id, then a secret only its hash keeps."""
    return f"{session_id}.{secrets.token_urlsafe(32)}"


def session_id_of(refresh_token):
    session_id, _, secret = refresh_token.partition(".")
    if not session_id or not secret:
        raise Unauthorized("Invalid refresh token")
    return session_id
