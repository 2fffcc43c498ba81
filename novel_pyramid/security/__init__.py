"""HTTP security: client address behind trusted proxies, hardening headers, CSP, caching, CORS.

One small tween per concern. They sit just inside the request-logging tween and
outside the exception view, so every answer gets them: errors, 404s, 429s and
CORS preflights alike. From the outside in:

    request logging -> client address -> hardening headers -> CSP -> no-store
    -> CORS (answers preflights) -> transaction -> exception views -> router
"""

from pyramid.tweens import EXCVIEW, INGRESS

from novel_pyramid.config import ConfigurationError
from novel_pyramid.security.body_size import body_size_deriver
from novel_pyramid.security.cors import CorsPolicy

LOGGING_TWEEN = "novel_pyramid.logging.tweens.request_logging_tween_factory"
TRANSACTION_TWEEN = "pyramid_tm.tm_tween_factory"
CLIENT_ADDRESS_TWEEN = "novel_pyramid.security.addresses.client_address_tween_factory"
HARDENING_HEADERS_TWEEN = "novel_pyramid.security.headers.hardening_headers_tween_factory"
CSP_TWEEN = "novel_pyramid.security.csp.content_security_policy_tween_factory"
NO_STORE_TWEEN = "novel_pyramid.security.caching.no_store_tween_factory"
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
    config.add_tween(HARDENING_HEADERS_TWEEN, under=CLIENT_ADDRESS_TWEEN, over=EXCVIEW)
    config.add_tween(CSP_TWEEN, under=HARDENING_HEADERS_TWEEN, over=EXCVIEW)
    config.add_tween(NO_STORE_TWEEN, under=CSP_TWEEN, over=EXCVIEW)
    config.add_tween(CORS_TWEEN, under=NO_STORE_TWEEN, over=(TRANSACTION_TWEEN, EXCVIEW))
