"""The security policy: a Bearer access token names a user and a live session."""

import functools
import time

from pyramid.interfaces import ISecurityPolicy
from pyramid.request import RequestLocalCache
from pyramid.security import Allowed, Denied
from zope.interface import implementer

from novel_pyramid.accounts.models import User
from novel_pyramid.auth.interfaces import IAccessTokens, ISessionStanding
from novel_pyramid.auth.standing import DISABLED, SIGNED_OUT
from novel_pyramid.errors import Unauthorized
from novel_pyramid.logging.context import user_id_var

AUTHENTICATED = "authenticated"

__all__ = ["AUTHENTICATED", "DISABLED", "SIGNED_OUT", "TokenSecurityPolicy"]


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

    Verifying a JWT (two base64 passes, JSON, HMAC) costs a fifth of the CPU of
    a request the cache answers. A token is looked up by its exact text, signature included,
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


@implementer(ISecurityPolicy)
class TokenSecurityPolicy:
    def __init__(self):
        # Pyramid asks for the identity more than once per request (permission
        # check, then ``request.identity`` in the view): work it out once.
        self._identity_of_request = RequestLocalCache(self._load_identity)
        # Process-wide services of this policy's application, found at the first request.
        self._verified_tokens = None
        self._standing = None

    def identity(self, request):
        return self._identity_of_request.get_or_create(request)

    def _claims(self, request):
        token = bearer_token(request)
        if token is None:
            return None
        if self._verified_tokens is None:
            self._verified_tokens = VerifiedTokens(request.find_service(IAccessTokens))
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
        if self._standing is None:
            self._standing = request.find_service(ISessionStanding)
        # Asked of the database every time (auth/standing.py): never answered from a cache.
        failure = self._standing.failure(user_id, session_id)
        if failure is not None:
            request.authentication_failure = failure
            return None
        user_id_var.set(user_id)
        return Identity(user_id, session_id, lambda: request.dbsession.get(User, user_id))

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
