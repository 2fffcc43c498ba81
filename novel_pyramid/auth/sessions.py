"""Sign-in sessions: start one, rotate its refresh token, revoke it."""

import dataclasses
import datetime
import hmac
import logging

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from zope.interface import implementer

from novel_pyramid.auth.interfaces import IAccessTokens, IRefreshSuccessors, ISessionService
from novel_pyramid.auth.models import AuthSession
from novel_pyramid.auth.standing import SIGNED_OUT
from novel_pyramid.auth.tokens import hash_token, new_refresh_token, session_id_of
from novel_pyramid.db import own_transaction
from novel_pyramid.db.types import new_uuid, utcnow
from novel_pyramid.errors import Unauthorized

log = logging.getLogger(__name__)

USER_AGENT_MAX = 256
ALREADY_USED = "This refresh token was already used; please sign in again"


@implementer(ISessionService)
@dataclasses.dataclass
class SessionService:
    """Owns the refresh-token life cycle; access tokens come from ``AccessTokens``.

    ``reuse_interval`` is how long a rotated token still answers its successor
    (zero: never); ``successors`` derives that successor (``RefreshSuccessors``).
    """

    db: Session
    access_tokens: IAccessTokens
    successors: IRefreshSuccessors
    refresh_lifetime: datetime.timedelta
    reuse_interval: datetime.timedelta
    # Revocation after token reuse must survive the 401 that rolls the
    # request's transaction back, so it commits on a session of its own.
    session_factory: sessionmaker | None = None

    @classmethod
    def create_service(cls, context, request):
        settings = request.registry.settings
        return cls(
            request.dbsession,
            request.find_service(IAccessTokens),
            request.find_service(IRefreshSuccessors),
            datetime.timedelta(days=settings["jwt.refresh_token_expires_days"]),
            datetime.timedelta(seconds=settings["jwt.refresh_reuse_interval_seconds"]),
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
        """Exchange a refresh token for new tokens; the one presented stops rotating.

        Presented again within the reuse interval, a just-rotated token answers
        the token it was rotated to, with a fresh access token: the several
        queries of one page that all refresh at once get the same pair. Any
        other older token of the session is a copy, and closes the session.
        """
        session = self._load(session_id_of(refresh_token))
        if session is None:
            raise Unauthorized("Invalid refresh token")
        if session.revoked_at is not None:
            raise Unauthorized(SIGNED_OUT)
        presented_hash = hash_token(refresh_token)
        if hmac.compare_digest(session.token_hash, presented_hash):
            self._check_usable(session)
            return self._rotate(session, refresh_token, presented_hash)
        if not self._just_rotated_from(session, presented_hash):
            # An older token of this session came back: it was copied. Close the session.
            log.warning("Refresh token reuse on session %s; revoking it", session.id)
            self._revoke_now(session.id, "token_reuse")
            raise Unauthorized(ALREADY_USED)
        self._check_usable(session)
        return self._answer_successor(session, refresh_token)

    def revoke(self, session_id, reason="logout"):
        """Close a session: refused from the next request on, since the security policy reads its row every time."""
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

    def _load(self, session_id):
        # Always read the row again: a concurrent refresh may have just rotated it.
        return self.db.get(AuthSession, session_id, populate_existing=True)

    def _check_usable(self, session):
        if session.expires_at <= utcnow():
            raise Unauthorized("This session has expired; please sign in again")
        if not session.user.is_active:
            raise Unauthorized("This account is disabled")

    def _rotate(self, session, presented, presented_hash):
        """Replace the session's token by the presented one's successor.

        The update only matches while the session still holds the presented
        token, so of several refreshes racing with it exactly one rotates,
        without a row lock held across the check. The others wait for the
        winner's write (PostgreSQL's row lock, SQLite's database lock), read the
        session again and answer the same successor.
        """
        successor = self.successors.successor(presented)
        now = utcnow()
        result = self.db.execute(
            update(AuthSession)
            .where(
                AuthSession.id == session.id,
                AuthSession.token_hash == presented_hash,
                AuthSession.revoked_at.is_(None),
            )
            .values(
                token_hash=hash_token(successor),
                previous_token_hash=presented_hash,
                rotated_at=now,
                last_used_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            self.db.expire(session, ["token_hash", "previous_token_hash", "rotated_at", "last_used_at"])
            return self._tokens(session.user_id, session.id, successor)
        # Lost the race. The session held the presented token a moment ago, so
        # this is no stolen copy: no revocation, which on SQLite would also wait
        # for the write lock this transaction now holds.
        session = self._load(session.id)
        if session is None or session.revoked_at is not None:
            raise Unauthorized(SIGNED_OUT)
        if not self._just_rotated_from(session, presented_hash):
            raise Unauthorized(ALREADY_USED)
        return self._answer_successor(session, presented)

    def _just_rotated_from(self, session, presented_hash):
        """Whether the session's last rotation replaced the presented token, within the reuse interval."""
        return (
            session.rotated_at is not None
            and utcnow() - session.rotated_at < self.reuse_interval
            and session.previous_token_hash is not None
            and hmac.compare_digest(session.previous_token_hash, presented_hash)
        )

    def _answer_successor(self, session, presented):
        """The session's current token, derived again from the one it replaced, with a fresh access token."""
        for candidate in self.successors.candidates(presented):
            if hmac.compare_digest(session.token_hash, hash_token(candidate)):
                return self._tokens(session.user_id, session.id, candidate)
        # Rotated by a process whose signing key this one does not know (a
        # deployment changing keys): still a sibling request, so no revocation.
        log.warning("Session %s was rotated under an unknown key; refusing its previous token", session.id)
        raise Unauthorized(ALREADY_USED)

    def _tokens(self, user_id, session_id, refresh_token):
        return {
            "access_token": self.access_tokens.issue(user_id, session_id),
            "refresh_token": refresh_token,
        }

    def _revoke_now(self, session_id, reason):
        if self.session_factory is None:
            self.revoke(session_id, reason)
            return
        with own_transaction(self.session_factory) as (_, own):
            own.execute(
                update(AuthSession)
                .where(AuthSession.id == session_id)
                .values(revoked_at=utcnow(), revoked_reason=reason)
            )
