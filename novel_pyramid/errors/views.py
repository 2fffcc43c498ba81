"""Exception views: every failure leaves the app through here as the JSON error body."""

import logging

import sqlalchemy.exc
from pyramid.exceptions import URLDecodeError
from pyramid.httpexceptions import HTTPException
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from novel_pyramid.errors.exceptions import AppError
from novel_pyramid.errors.rendering import error_response
from novel_pyramid.logging.tweens import logged_path

log = logging.getLogger(__name__)


@exception_view_config(AppError)
def app_error(exc, request):
    return error_response(exc.status_code, exc.message, exc.code, details=exc.details, headers=exc.headers, **exc.extra)


@notfound_view_config()
def not_found(request):
    return error_response(404, "Not found", "not_found")


@forbidden_view_config()
def forbidden(request):
    # No identity means the caller must sign in (401: the frontend then refreshes
    # its token); an identity without the permission is a real 403.
    if request.identity is None:
        reason = getattr(request, "authentication_failure", None) or "Authentication required"
        return error_response(401, reason, "unauthorized", headers={"WWW-Authenticate": 'Bearer realm="api"'})
    return error_response(403, "You are not allowed to do this", "forbidden")


@exception_view_config(HTTPException)
def http_error(exc, request):
    if exc.status_code < 400:
        return exc
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else exc.title
    headers = {}
    if "Allow" in exc.headers:
        headers["Allow"] = exc.headers["Allow"]
    code = exc.title.lower().replace(" ", "_")
    return error_response(exc.status_code, message, code, headers=headers)


@exception_view_config(URLDecodeError)
def undecodable_url(exc, request):
    return error_response(
        400, "URL path: Must be valid UTF-8", "invalid_input", details={"path": ["Must be valid UTF-8"]}
    )


@exception_view_config(sqlalchemy.exc.OperationalError)
def database_unavailable(exc, request):
    # Connection loss and server restarts: the pool recovers on its own, so the
    # client is told to retry rather than that something broke.
    log.error("Database unavailable on %s %s: %s", request.method, logged_path(request), exc.orig)
    return error_response(
        503,
        "The database is unavailable; please retry shortly",
        "service_unavailable",
        headers={"Retry-After": "5"},
    )


@exception_view_config(Exception)
def unexpected_error(exc, request):
    log.error("Unhandled error on %s %s", request.method, logged_path(request), exc_info=exc)
    return error_response(
        500,
        "Internal server error",
        "internal_error",
        request_id=getattr(request, "request_id", None),
    )
