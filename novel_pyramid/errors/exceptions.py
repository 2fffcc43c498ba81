"""Domain errors: what can go wrong, with the HTTP status and code it maps to.

Services raise these; the exception views in this package turn them into the
one JSON error body. Views never catch them.
"""


class AppError(Exception):
    """Base class: a message for humans, a stable code for machines."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message, *, details=None, headers=None):
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}


class InvalidInput(AppError):
    code = "invalid_input"


class InvalidPdf(AppError):
    """The upload is not a PDF we can read text from."""

    code = "invalid_pdf"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"


class UpstreamError(AppError):
    """An external service (Gemini, Google) failed after our retries."""

    status_code = 502
    code = "upstream_error"


class ServiceUnavailable(AppError):
    """A backend we need (database, broker) is down; the client may retry."""

    status_code = 503
    code = "service_unavailable"
