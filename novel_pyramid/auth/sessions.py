"""Sign-in sessions: start one, rotate its refresh token, revoke it."""

import datetime
import hmac
import logging

from sqlalchemy import select, update

from novel_pyramid.auth.models import AuthSession
from novel_pyramid.auth.tokens import hash_token, new_refresh_token, session_id_of
from novel_pyramid.cache import identity_key, invalidate_after_commit
from novel_pyramid.db.types import new_uuid, utcnow
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
        session_id = new_uuid()
        refresh_token = new_refresh_token(session_id)
        self.db.add(
            AuthSession(
                id=session_id,
                user_id=user.id,
                token_hash=hash_token(refresh_token),
                expires_at=utcnow() + self.refresh_lifetime,
                user_agent=(user_agent or "")[:USER_AGENT_MAX] or None,
                ip_address=ip_address,
            )
        )
        self.db.flush()
        return self._tokens(user.id, session_id, refresh_token)

    def refresh(self, refresh_token):
        """Exchange a refresh token for new tokens; the one presented stops working."""
        session = self.db.get(AuthSession, session_id_of(refresh_token))
        if session is None:
            raise Unauthorized("Invalid refresh token")
        if session.revoked_at is not None:
            raise Unauthorized("This session has been signed out; please sign in again")
        presented_hash = hash_token(refresh_token)
        if not hmac.compare_digest(session.token_hash, presented_hash):
            # An older token of this session came back: it was copied. Close the session.
            log.warning("Refresh token reuse on session %s; revoking it", session.id)
            self._revoke_now(session.id, "token_reuse")
            raise Unauthorized("This refresh token was already used; please sign in again")
        if session.expires_at <= utcnow():
            raise Unauthorized("This session has expired; please sign in again")
        if not session.user.is_active:
            raise Unauthorized("This account is disabled")
        return self._rotate(session, presented_hash)

    def revoke(self, session_id, reason="logout"):
        revoked = (
            self.db.execute(
                update(AuthSession)
                .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
                .values(revoked_at=utcnow(), revoked_reason=reason)
                .returning(AuthSession.user_id)
            )
            .scalars()
            .all()
        )
        # A bulk UPDATE bypasses the ORM flush that would otherwise invalidate the lookup.
        invalidate_after_commit(self.db, *(identity_key(user_id) for user_id in revoked))

    def revoke_all(self, user_id, reason="logout_all"):
        result = self.db.execute(
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=utcnow(), revoked_reason=reason)
        )
        invalidate_after_commit(self.db, identity_key(user_id))
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

    def _rotate(self, session, expected_hash):
        """Give the session a new refresh token.

        The update only matches while the session still holds ``expected_hash``:
        of two refreshes racing with the same token, one wins and the other gets
        401, without any row lock held across the check.
        """
        refresh_token = new_refresh_token(session.id)
        result = self.db.execute(
            update(AuthSession)
            .where(
                AuthSession.id == session.id,
                AuthSession.token_hash == expected_hash,
                AuthSession.revoked_at.is_(None),
            )
            .values(token_hash=hash_token(refresh_token), last_used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise Unauthorized("This refresh token was already used; please sign in again")
        self.db.expire(session, ["token_hash", "last_used_at"])
        return self._tokens(session.user_id, session.id, refresh_token)

    def _tokens(self, user_id, session_id, refresh_token):
        return {
            "access_token": self.access_tokens.issue(user_id, session_id),
            "refresh_token": refresh_token,
        }

    def _revoke_now(self, session_id, reason):
        if self.session_factory is None:
            self.revoke(session_id, reason)
            return
        with self.session_factory() as own, own.begin():
            revoked = (
                own.execute(
                    update(AuthSession)
                    .where(AuthSession.id == session_id)
                    .values(revoked_at=utcnow(), revoked_reason=reason)
                    .returning(AuthSession.user_id)
                )
                .scalars()
                .all()
            )
            invalidate_after_commit(own, *(identity_key(user_id) for user_id in revoked))
