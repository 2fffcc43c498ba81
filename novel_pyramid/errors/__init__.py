"""One error path: domain errors and the exception views that render them."""

from pyramid.interfaces import ILocalizer

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
    UnsupportedMediaType,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamTimeout,
)
from novel_pyramid.errors.messages import API_LOCALE, PlainWordsLocalizer


def includeme(config):
    config.scan("novel_pyramid.errors.views")
    # Validation messages in plain words, in the one language the API answers in
    # (a client's _LOCALE_ must not choose Colander's own wording).
    config.set_locale_negotiator(lambda request: API_LOCALE)
    config.registry.registerUtility(PlainWordsLocalizer(API_LOCALE, None), ILocalizer, name=API_LOCALE)
