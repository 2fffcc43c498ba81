"""HTTP security: client address behind trusted proxies, security headers (hardening, CSP, no-store), CORS.

A tween per concern. They sit just inside the request-logging tween and
outside the exception view, so every answer gets them: errors, 404s, 429s and
CORS preflights alike. From the outside in:

    request logging -> client address -> security headers
    -> CORS (answers preflights) -> transaction -> exception views -> router
"""

from pyramid.tweens import EXCVIEW, INGRESS

from novel_pyramid.config import ConfigurationError
from novel_pyramid.security.body_size import body_size_deriver
from novel_pyramid.security.cors import CorsPolicy

LOGGING_TWEEN = "novel_pyramid.logging.tweens.request_logging_tween_factory"
TRANSACTION_TWEEN = "pyramid_tm.tm_tween_factory"
CLIENT_ADDRESS_TWEEN = "novel_pyramid.security.addresses.client_address_tween_factory"
SECURITY_HEADERS_TWEEN = "novel_pyramid.security.headers.security_headers_tween_factory"
CORS_TWEEN = "novel_pyramid.security.cors.cors_tween_factory"


def includeme(config):
    settings = config.get_settings()
    try:
        config.registry["security.cors"] = CorsPolicy.from_settings(settings)
    except ValueError as exc:
        raise ConfigurationError(f"Setting cors.origins (CORS_ORIGINS): {exc}.") from None
    settings.setdefault("retry.activate_hook", "novel_pyramid.security.body_size.retry_attempts_for")
    config.add_view_deriver(body_size_deriver)
    config.add_tween(CLIENT_ADDRESS_TWEEN, under=(LOGGING_TWEEN, INGRESS), over=EXCVIEW)
    config.add_tween(SECURITY_HEADERS_TWEEN, under=CLIENT_ADDRESS_TWEEN, over=EXCVIEW)
    config.add_tween(CORS_TWEEN, under=SECURITY_HEADERS_TWEEN, over=(TRANSACTION_TWEEN, EXCVIEW))
