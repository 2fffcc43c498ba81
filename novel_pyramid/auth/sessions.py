"""Sign-in sessions: start one, rotate its refresh token, revoke it."""

import datetime
import logging

from sqlalchemy import select, update

from novel_pyramid.auth.models import AuthSession
from novel_pyramid.auth.tokens import hash_token, new_refresh_token, session_id_of
from novel_pyramid.db.types import utcnow
from novel_pyramid.errors import Unauthorized

log = logging.getLogger(__name__)

USER_AGENT_MAX = 256


class SessionService:
    """Owns the refresh-token life cycle; access tokens come from ``AccessTokens``."""

    def __init__(self, dbsession, access_tokens, refresh_lifetime, session_factory=None):
        self.db = dbsession
        self.access_tokens = access_tokens
        self.refresh_lifetime = refresh_lifetime
        # Revocation after token reuse must survive the 401 that rolls the
        # request's transaction back, so it commits on a session of its own.
        self.session_factory = session_factory

    @classmethod
    def for_request(cls, request):
        settings = request.registry.settings
        return cls(
            request.dbsession,
            request.registry["auth.access_tokens"],
            datetime.timedelta(days=settings["jwt.refresh_token_expires_days"]),
            request.registry["db.session_factory"],
        )

    def start(self, user, user_agent=None, ip_address=None):
        """Open a session for ``user``; return its access and refresh tokens."""
        session = AuthSession(
            user_id=user.id,
            expires_at=utcnow() + self.refresh_lifetime,
            user_agent=(user_agent or "")[:USER_AGENT_MAX] or None,
            ip_address=ip_address,
            token_hash="",
        )
        self.db.add(session)
        self.db.flush()
        return self._rotate(session)

    def refresh(self, refresh_token):
        """Exchange a refresh token for new tokens; the one presented stops working."""
        session_id = session_id_of(refresh_token)
        session = self.db.execute(
            select(AuthSession).where(AuthSession.id == session_id).with_for_update()
        ).scalar_one_or_none()
        if session is None:
            raise Unauthorized("Invalid refresh token")
        if session.revoked_at is not None:
            raise Unauthorized("This session has been signed out; please sign in again")
        if session.token_hash != hash_token(refresh_token):
            # An older token of this session came back: it was copied. Close the session.
            log.warning("Refresh token reuse on session %s; revoking it", session.id)
            self._revoke_now(session.id, "token_reuse")
            raise Unauthorized("This refresh token was already used; please sign in again")
        if session.expires_at <= utcnow():
            raise Unauthorized("This session has expired; please sign in again")
        if not session.user.is_active:
            raise Unauthorized("This account is disabled")
        return self._rotate(session)

    def revoke(self, session_id, reason="logout"):
        self.db.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=utcnow(), revoked_reason=reason)
        )

    def revoke_all(self, user_id, reason="logout_all"):
        result = self.db.execute(
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=utcnow(), revoked_reason=reason)
        )
        return result.rowcount

    def active_sessions(self, user_id):
        return self.db.scalars(
            select(AuthSession)
            .where(
                AuthSession.user_id == user_id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > utcnow(),
            )
            .order_by(AuthSession.last_used_at.desc())
        ).all()

    def _rotate(self, session):
        refresh_token = new_refresh_token(session.id)
        session.token_hash = hash_token(refresh_token)
        session.last_used_at = utcnow()
        self.db.flush()
        return {
            "access_token": self.access_tokens.issue(session.user_id, session.id),
            "refresh_token": refresh_token,
        }

    def _revoke_now(self, session_id, reason):
        if self.session_factory is None:
            self.revoke(session_id, reason)
            return
        with self.session_factory() as own, own.begin():
            own.execute(
                update(AuthSession)
                .where(AuthSession.id == session_id)
                .values(revoked_at=utcnow(), revoked_reason=reason)
            )
