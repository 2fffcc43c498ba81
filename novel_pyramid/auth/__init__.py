"""Authentication: our own access/refresh tokens, Google sign-in, and the security policy."""

from novel_pyramid.auth.google import GoogleSignIn
from novel_pyramid.auth.policy import AUTHENTICATED, TokenSecurityPolicy  # noqa: F401
from novel_pyramid.auth.standing import SessionStanding
from novel_pyramid.auth.tokens import AccessTokens, RefreshSuccessors


def includeme(config):
    settings = config.get_settings()
    config.registry["auth.access_tokens"] = AccessTokens.from_settings(settings)
    config.registry["auth.refresh_successors"] = RefreshSuccessors.from_settings(settings)
    config.registry["auth.google"] = GoogleSignIn.from_settings(settings)
    config.registry["auth.session_standing"] = SessionStanding.for_engine(
        config.registry["db.engine"], settings["database.pool_size"]
    )
    config.set_security_policy(TokenSecurityPolicy())
    config.include("novel_pyramid.auth.prefetch")
