"""Domain errors: what can go wrong, with the HTTP status and code it maps to.

Services raise these; the exception views in this package turn them into the
one JSON error body. Views never catch them.
"""

from novel_pyramid.errors.messages import field_details, validation_message


class AppError(Exception):
    """Base class: a message for humans, a stable code for machines."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message, *, details=None, headers=None, extra=None):
        super().__init__(message)
        self.message = message
        # ``details`` is {field: [messages]} (docs/api.md, "Everywhere"); ``extra`` holds further
        # top-level keys of the error body, such as a machine-readable reason.
        self.details = details
        self.headers = headers or {}
        self.extra = extra or {}


class InvalidInput(AppError):
    code = "invalid_input"

    @classmethod
    def from_colander(cls, invalid, whole="request"):
        """The error of a ``colander.Invalid`` raised outside the request validators, in plain words."""
        details = field_details(invalid, whole)
        return cls(validation_message(details), details=details)


class InvalidPdf(AppError):
    """The upload is not a PDF we can read text from.

    ``reason`` says why for machines (not_pdf, encrypted, no_text...); ``facts``
    holds it with whatever else is known (page, page counts).
    """

    code = "invalid_pdf"
    field = "pdf_file"

    def __init__(self, message, *, reason, **facts):
        self.reason = reason
        self.facts = {"reason": reason, **facts}
        super().__init__(message, details={self.field: [message]}, extra=self.facts)


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(AppError):
    status_code = 415
    code = "unsupported_media_type"


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


class UpstreamRateLimited(UpstreamError):
    """The external service kept refusing for being over its quota (HTTP 429) until our retries ran out."""

    code = "upstream_rate_limited"


class UpstreamTimeout(UpstreamError):
    """The external service kept answering too late (or not at all) until our retries ran out."""

    code = "upstream_timeout"


class ServiceUnavailable(AppError):
    """A backend we need (database, broker) is down; the client may retry."""

    status_code = 503
    code = "service_unavailable"
