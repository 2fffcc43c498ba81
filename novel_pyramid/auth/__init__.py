"""Authentication: our own access/refresh tokens, Google sign-in, sign-in sessions and the security policy."""

from novel_pyramid.auth.google import GoogleSignIn
from novel_pyramid.auth.interfaces import (
    IAccessTokens,
    IGoogleSignIn,
    IRefreshSuccessors,
    ISessionService,
    ISessionStanding,
)
from novel_pyramid.auth.policy import AUTHENTICATED, TokenSecurityPolicy  # noqa: F401
from novel_pyramid.auth.sessions import SessionService
from novel_pyramid.auth.standing import SessionStanding
from novel_pyramid.auth.tokens import AccessTokens, RefreshSuccessors


def includeme(config):
    settings = config.get_settings()
    config.register_service(AccessTokens.from_settings(settings), IAccessTokens)
    config.register_service(RefreshSuccessors.from_settings(settings), IRefreshSuccessors)
    config.register_service(GoogleSignIn.from_settings(settings), IGoogleSignIn)
    config.register_service(
        SessionStanding.for_engine(config.registry["db.engine"], settings["database.pool_size"]), ISessionStanding
    )
    config.register_service_factory(SessionService.create_service, ISessionService)
    config.set_security_policy(TokenSecurityPolicy())
