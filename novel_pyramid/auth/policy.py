"""The security policy: a Bearer access token names a user and a live session."""

import datetime
import functools
import time

from pyramid.interfaces import ISecurityPolicy
from pyramid.request import RequestLocalCache
from pyramid.security import Allowed, Denied
from sqlalchemy import and_, select
from zope.interface import implementer

from novel_pyramid.accounts.models import User
from novel_pyramid.auth.models import AuthSession
from novel_pyramid.cache import identity_key, invalidate_after_commit, request_cache
from novel_pyramid.db.types import utcnow
from novel_pyramid.errors import Unauthorized
from novel_pyramid.logging.context import user_id_var

AUTHENTICATED = "authenticated"

SIGNED_OUT = "This session has been signed out; please sign in again"
DISABLED = "This account is disabled"


class Identity:
    """Who is signed in. ``user`` (the ORM row) is loaded only by views that use it."""

    def __init__(self, user_id, session_id, load_user):
        self.id = user_id
        self.session_id = session_id
        self._load_user = load_user

    @functools.cached_property
    def user(self):
        return self._load_user()


class VerifiedTokens:
    """Remembers the claims of access tokens already verified by this process.

    Verifying a JWT (two base64 passes, JSON, HMAC) was a fifth of the CPU of a
    cached request. A token is looked up by its exact text, signature included,
    so only a token that passed ``verify`` here can hit; its expiry is checked on
    every use. Revocation is not the token's business: the session check that
    follows still runs every time.
    """

    MAX_ENTRIES = 10_000

    def __init__(self, access_tokens):
        self.access_tokens = access_tokens
        self._claims = {}

    def verify(self, token):
        claims = self._claims.get(token)
        if claims is not None and claims["exp"] > time.time():
            return claims
        claims = self.access_tokens.verify(token)
        if len(self._claims) >= self.MAX_ENTRIES:
            # Cheaper than LRU bookkeeping on every hit, and as correct.
            self._claims.clear()
        self._claims[token] = claims
        return claims


def bearer_token(request):
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def live_sessions_of(dbsession, user_id, issued_after):
    """The cached part of the lookup, as plain data: is the user active, which sessions are live.

    Sessions that expired before ``issued_after`` cannot back an unexpired access
    token, so they are left out; a session missing from the list is looked up
    in the database anyway.
    """
    rows = dbsession.execute(
        select(User.is_active, AuthSession.id)
        .outerjoin(
            AuthSession,
            and_(
                AuthSession.user_id == User.id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > issued_after,
            ),
        )
        .where(User.id == user_id)
    ).all()
    return {
        "is_active": bool(rows and rows[0].is_active),
        "live_session_ids": [row.id for row in rows if row.id is not None],
    }


def signed_in_user(dbsession, user_id, session_id):
    """The database's answer, uncached: the user if the session was not signed out."""
    return dbsession.scalar(
        select(User)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(User.id == user_id, AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
    )


@implementer(ISecurityPolicy)
class TokenSecurityPolicy:
    def __init__(self):
        # Pyramid asks for the identity more than once per request (permission
        # check, then ``request.identity`` in the view): work it out once.
        self._identity_of_request = RequestLocalCache(self._load_identity)
        self._verified_tokens = None

    def identity(self, request):
        return self._identity_of_request.get_or_create(request)

    def claimed_user_id(self, request):
        """The user id of a valid access token, before its session is checked; else None."""
        try:
            claims = self._claims(request)
        except Unauthorized:
            return None
        return None if claims is None else int(claims["sub"])

    def _claims(self, request):
        token = bearer_token(request)
        if token is None:
            return None
        if self._verified_tokens is None:
            self._verified_tokens = VerifiedTokens(request.registry["auth.access_tokens"])
        return self._verified_tokens.verify(token)

    def _load_identity(self, request):
        try:
            claims = self._claims(request)
        except Unauthorized as exc:
            request.authentication_failure = exc.message
            return None
        if claims is None:
            return None
        user_id, session_id = int(claims["sub"]), claims["sid"]
        failure = self._check_session(request, user_id, session_id)
        if failure is not None:
            request.authentication_failure = failure
            return None
        user_id_var.set(user_id)
        return Identity(user_id, session_id, lambda: request.dbsession.get(User, user_id))

    def _check_session(self, request, user_id, session_id):
        """None when the session is live and the user active, else why not."""
        lifetime = datetime.timedelta(hours=request.registry.settings["jwt.access_token_expires_hours"])
        cached = request_cache(request).get_or_create(
            identity_key(user_id),
            lambda: live_sessions_of(request.dbsession, user_id, utcnow() - lifetime),
        )
        if session_id in cached["live_session_ids"]:
            return None if cached["is_active"] else DISABLED
        # Unknown to the cache: revoked, or started after the entry was made. Ask the database.
        user = signed_in_user(request.dbsession, user_id, session_id)
        if user is None:
            return SIGNED_OUT
        invalidate_after_commit(request.dbsession, identity_key(user_id))
        return None if user.is_active else DISABLED

    def authenticated_userid(self, request):
        identity = request.identity
        return None if identity is None else identity.id

    def permits(self, request, context, permission):
        if permission == AUTHENTICATED and request.identity is not None:
            return Allowed("signed in")
        return Denied("sign-in required")

    def remember(self, request, userid, **kw):
        return []

    def forget(self, request, **kw):
        return []
