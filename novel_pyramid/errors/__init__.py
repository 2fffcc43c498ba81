"""One error path: domain errors and the exception views that render them."""

from novel_pyramid.errors.exceptions import (  # noqa: F401
    AppError,
    Conflict,
    Forbidden,
    InvalidInput,
    InvalidPdf,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    UpstreamError,
)


def includeme(config):
    config.scan("novel_pyramid.errors.views")
