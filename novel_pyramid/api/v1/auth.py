"""v1 sign-in: Google login, token refresh, the current user, logout, and development login."""

from cornice.validators import colander_validator

from novel_pyramid.accounts.interfaces import IAccountService
from novel_pyramid.accounts.serializers import user_json
from novel_pyramid.api import api_service
from novel_pyramid.api.v1 import schemas
from novel_pyramid.api.validators import querystring_validator
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.auth.interfaces import IGoogleSignIn, ISessionService
from novel_pyramid.auth.policy import bearer_token
from novel_pyramid.errors import InvalidInput, Unauthorized
from novel_pyramid.schema.types import NoInputRequest

google_login = api_service("v1.auth.google", "/auth/google")
refresh = api_service("v1.auth.refresh", "/auth/refresh")
me = api_service("v1.auth.me", "/auth/me")
logout = api_service("v1.auth.logout", "/auth/logout")
dev_login = api_service("v1.auth.dev_login", "/auth/dev-login")


def _login_response(request, user):
    tokens = request.find_service(ISessionService).start(user, request.user_agent, request.client_addr)
    return {
        "message": "Login successful",
        **tokens,
        "user": user_json(user),
        "has_sheets_access": user.has_sheets_access,
    }


@google_login.post(schema=schemas.GoogleLoginRequest(), validators=(colander_validator,))
def login_with_google(request):
    body = request.validated["body"]
    google = request.find_service(IGoogleSignIn)
    if "token" in body:
        claims, oauth_tokens = google.verify_id_token(body["token"]), None
    elif "code" in body:
        claims, oauth_tokens = google.exchange_code(body["code"])
    else:
        raise InvalidInput(
            "Provide a Google ID token (token) or an authorization code (code)",
            details={"body": ["token or code is required"]},
        )
    user = request.find_service(IAccountService).sign_in_with_google(claims, oauth_tokens)
    return _login_response(request, user)


@dev_login.post(schema=schemas.DevLoginRequest(), validators=(colander_validator,))
def login_for_development(request):
    user = request.find_service(IAccountService).sign_in_for_development(request.validated["body"]["email"])
    return _login_response(request, user)


@refresh.post(schema=schemas.RefreshRequest(), validators=(colander_validator,))
def refresh_tokens(request):
    # The frontend sends the refresh token in the body; older clients send it as the Bearer token.
    token = request.validated.get("body", {}).get("refresh_token") or bearer_token(request)
    if not token:
        raise Unauthorized("A refresh token is required")
    return request.find_service(ISessionService).refresh(token)


@me.get(permission=AUTHENTICATED, schema=NoInputRequest(), validators=(querystring_validator,))
def current_user(request):
    return user_json(request.identity.user)


@logout.post(permission=AUTHENTICATED)
def sign_out(request):
    request.find_service(ISessionService).revoke(request.identity.session_id)
    return {"message": "Logged out successfully"}
