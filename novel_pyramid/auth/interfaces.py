"""The auth subsystem's services: sign-in sessions (the one writer of ``auth_sessions``) and their helpers."""

from zope.interface import Interface


class ISessionService(Interface):
    """The refresh-token life cycle of sign-in sessions.

    Writes join the caller's transaction, except the revocation that follows a
    reused (copied) refresh token: it commits apart (``db.own_transaction``),
    so it survives the 401 that rolls the request's transaction back.
    """

    def start(user, user_agent=None, ip_address=None):
        """Open a session for ``user``; return its ``access_token`` and ``refresh_token``."""

    def refresh(refresh_token):
        """Exchange a refresh token for new tokens (docs/api.md, "Refresh tokens"); ``Unauthorized`` otherwise."""

    def revoke(session_id, reason="logout"):
        """Close a session; it is refused from the next request on."""

    def revoke_all(user_id, reason="logout_all"):
        """Close every open session of the user; return how many were open."""

    def active_sessions(user_id):
        """The user's open, unexpired sessions, the most recently used first."""


class IAccessTokens(Interface):
    """Issues and verifies our access tokens (JWTs), with the current signing key and retired ones."""

    def issue(user_id, session_id, now=None):
        """A signed access token naming the user and the session."""

    def verify(token):
        """The claims of a valid access token; ``Unauthorized`` otherwise."""


class IRefreshSuccessors(Interface):
    """Derives the refresh token that replaces a presented one, the same in every process."""

    def successor(refresh_token):
        """The successor under the current key."""

    def candidates(refresh_token):
        """The successor under each known key, the current key first."""


class IGoogleSignIn(Interface):
    """Google's side of a sign-in."""

    def verify_id_token(token):
        """The verified claims of a Google ID token; ``Unauthorized`` or ``UpstreamError`` otherwise."""

    def exchange_code(code):
        """Trade an authorization code for Google tokens; return ``(claims, oauth_tokens)``."""


class ISessionStanding(Interface):
    """Whether a session may still act, read from the database on every call (never cached)."""

    def failure(user_id, session_id):
        """Why the session may not act (``SIGNED_OUT``, ``DISABLED``), or None."""
