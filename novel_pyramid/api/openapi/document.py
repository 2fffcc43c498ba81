"""The OpenAPI 3.0 document of one API version, built from the live Cornice registry.

Whatever services an API package registered under its route prefix are
documented; nothing is listed by hand, so a new service appears by itself.
"""

from pyramid.interfaces import IRoutesMapper

from novel_pyramid import __version__
from novel_pyramid.api.openapi.converter import to_json_schema
from novel_pyramid.api.openapi.operations import (
    BEARER_SCHEME,
    build_operation,
    openapi_path,
)
from novel_pyramid.api.openapi.responses import ERROR, declared_responses

OPENAPI_VERSION = "3.0.3"
API_TITLE = "French Novel Tool API"
CACHE_KEY = "openapi.documents"
# HEAD repeats GET (Cornice adds it), OPTIONS is CORS plumbing: neither is an operation of ours.
_UNDOCUMENTED_METHODS = {"HEAD", "OPTIONS"}


def services_under(registry, prefix):
    """``(path relative to the prefix, service)`` for each Cornice service under ``prefix``."""
    found = []
    for key, service in getattr(registry, "cornice_services", {}).items():
        full_path = _route_pattern(registry, service.pyramid_route) if service.pyramid_route else key
        full_path = "/" + full_path.lstrip("/")
        if full_path.startswith(prefix + "/"):
            found.append((full_path[len(prefix) :], service))
    return sorted(found, key=lambda pair: pair[0])


def _route_pattern(registry, route_name):
    route = registry.getUtility(IRoutesMapper).get_route(route_name)
    return route.pattern if route is not None else ""


def build_document(registry, prefix):
    """The whole document for the services registered under ``prefix`` (e.g. ``/api/v1``)."""
    paths = {}
    for relative_path, service in services_under(registry, prefix):
        template, path_names = openapi_path(relative_path)
        item = paths.setdefault(template, {})
        for method, view, args in service.definitions:
            if method in _UNDOCUMENTED_METHODS:
                continue
            declared = declared_responses(registry, service.name, method)
            item[method.lower()] = build_operation(service, method, view, args, path_names, declared, registry)
    version_name = prefix.rstrip("/").rsplit("/", 1)[-1]
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"{API_TITLE} ({version_name})",
            "version": __version__,
            "description": (
                "Generated from the Colander schemas that validate each request. Every error answers the Error body. "
                "Text anywhere in a request (fields, file names, paths, query strings) must be UTF-8 without NUL "
                "characters; other text is refused with 400."
            ),
        },
        "servers": [{"url": prefix}],
        "paths": {path: item for path, item in paths.items() if item},
        "components": {
            "schemas": {"Error": to_json_schema(ERROR.schema)},
            "securitySchemes": {BEARER_SCHEME: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def cached_document(registry, prefix):
    """The document for ``prefix``, built on first use: the registry no longer changes by then."""
    documents = registry.setdefault(CACHE_KEY, {})
    if prefix not in documents:
        documents[prefix] = build_document(registry, prefix)
    return documents[prefix]
