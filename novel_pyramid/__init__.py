"""novel_pyramid: the French Novel Tool backend as a Pyramid application."""

import gc
import os

from pyramid.config import Configurator

from novel_pyramid.service_container import RequestServiceRegistry

__version__ = "1.0.0"

# Core subsystems, in the order they depend on each other.
CORE_INCLUDES = (
    "novel_pyramid.logging",
    "novel_pyramid.security",
    "novel_pyramid.errors",
    "novel_pyramid.api",
    "novel_pyramid.db",
    "novel_pyramid.metrics",
    "novel_pyramid.cache",
    "novel_pyramid.accounts",
    "novel_pyramid.history",
    "novel_pyramid.credits",
    "novel_pyramid.health",
    "novel_pyramid.auth",
    "novel_pyramid.ratelimit",
    "novel_pyramid.normalizers",
    "novel_pyramid.tasks",
    "novel_pyramid.jobs",
    "novel_pyramid.estimates",
    "novel_pyramid.exporters",
    "novel_pyramid.wordlists",
    "novel_pyramid.coverage",
)

API_VERSIONS = (
    ("novel_pyramid.api.v1", "/api/v1"),
    ("novel_pyramid.api.v2", "/api/v2"),
)


def make_config(settings):
    """Assemble the application from typed settings; nothing else happens here."""
    config = Configurator(settings=settings)
    # Cornice registers catch-all exception views of its own; committing it first
    # lets our error views (novel_pyramid.errors) replace them.
    config.include("cornice")
    config.include("pyramid_services")
    config.commit()
    for include in CORE_INCLUDES:
        config.include(include)
    for include, prefix in API_VERSIONS:
        config.include(include, route_prefix=prefix)
    for plugin in settings["novel_pyramid.includes"]:
        config.include(plugin)
    # Last, so that it replaces the registry every include of pyramid_services sets.
    config.set_service_registry(RequestServiceRegistry())
    config.commit()
    return config


def main(global_config, **ini_settings):
    """The WSGI application factory (``paste.app_factory``)."""
    from novel_pyramid.config import load_settings

    settings = load_settings(ini_settings, os.environ)
    app = make_config(settings).make_wsgi_app()
    # What start-up built lives as long as the process: move it out of the
    # cyclic collector's sight, so collections stay short (request tail latency).
    gc.collect()
    gc.freeze()
    return app
