"""A tween that gives each request an id, echoes it, and writes one access-log line."""

import logging
import re
import time
import uuid

from novel_pyramid.logging.context import request_id_var, user_id_var

access_log = logging.getLogger("novel_pyramid.access")

# Accept a caller's id only when it is short and plain, so it cannot forge log lines.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def incoming_request_id(request):
    candidate = request.environ.get("HTTP_X_REQUEST_ID", "")
    if _VALID_REQUEST_ID.match(candidate):
        return candidate
    return uuid.uuid4().hex


def logged_path(request):
    """The request path as sent; bytes that are not UTF-8 are shown replaced, never raised on."""
    raw = request.environ.get("SCRIPT_NAME", "") + request.environ.get("PATH_INFO", "")
    return raw.encode("latin-1", "replace").decode("utf-8", "replace")


def request_logging_tween_factory(handler, registry):
    def request_logging_tween(request):
        request_id = incoming_request_id(request)
        request.request_id = request_id
        request_token = request_id_var.set(request_id)
        user_token = user_id_var.set(None)
        started = time.perf_counter()
        status = 500
        try:
            response = handler(request)
            status = response.status_int
            response.headers["X-Request-ID"] = request_id
            return response
        finally:
            method, path = request.method, logged_path(request)
            access_log.info(
                "%s %s %s",
                method,
                path,
                status,
                extra={
                    "method": method,
                    "path": path,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            user_id_var.reset(user_token)
            request_id_var.reset(request_token)

    return request_logging_tween
