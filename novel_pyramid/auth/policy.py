"""The security policy: a Bearer access token names a user and a live session."""

from dataclasses import dataclass

from pyramid.security import Allowed, Denied
from pyramid.interfaces import ISecurityPolicy
from sqlalchemy import select
from zope.interface import implementer

from novel_pyramid.accounts.models import User
from novel_pyramid.auth.models import AuthSession
from novel_pyramid.errors import Unauthorized
from novel_pyramid.logging.context import user_id_var

AUTHENTICATED = "authenticated"


@dataclass(frozen=True)
class Identity:
    user: User
    session_id: str

    @property
    def id(self):
        return self.user.id


def bearer_token(request):
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


@implementer(ISecurityPolicy)
class TokenSecurityPolicy:
    def identity(self, request):
        token = bearer_token(request)
        if token is None:
            return None
        try:
            claims = request.registry["auth.access_tokens"].verify(token)
        except Unauthorized as exc:
            request.authentication_failure = exc.message
            return None
        # One query checks the user and that the session was not signed out.
        user = request.dbsession.scalar(
            select(User)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(
                User.id == int(claims["sub"]),
                AuthSession.id == claims["sid"],
                AuthSession.revoked_at.is_(None),
            )
        )
        if user is None:
            request.authentication_failure = "This session has been signed out; please sign in again"
            return None
        if not user.is_active:
            request.authentication_failure = "This account is disabled"
            return None
        user_id_var.set(user.id)
        return Identity(user=user, session_id=claims["sid"])

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
