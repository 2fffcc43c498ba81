"""OpenAPI 3 documents generated from the Colander schemas that validate requests.

One source of truth: the request side of each operation is read from the
schema Cornice validates with, the response side from Colander schemas the API
packages declare (see ``novel_pyramid.api.openapi.responses`` for how).

An API version's ``includeme`` includes this package, then calls
``config.add_openapi_document()`` to serve ``<its route prefix>/openapi.json``
and ``config.add_openapi_responses(RESPONSES)`` to declare its responses.
"""

from pyramid.security import NO_PERMISSION_REQUIRED

from novel_pyramid.api.openapi.responses import add_openapi_responses
from novel_pyramid.api.openapi.views import OpenAPIDocumentView


def add_openapi_document(config):
    """Config directive: serve the document of the services under the current route prefix."""
    prefix = "/" + (config.route_prefix or "").strip("/")
    route_name = f"openapi:{prefix}"
    config.add_route(route_name, "/openapi.json")
    config.add_view(
        OpenAPIDocumentView(prefix),
        route_name=route_name,
        request_method="GET",
        renderer="json",
        permission=NO_PERMISSION_REQUIRED,
    )


def includeme(config):
    # Pyramid runs an includeme once per application, whatever the route
    # prefix, so each version serves its document through the directive.
    config.add_directive("add_openapi_document", add_openapi_document)
    config.add_directive("add_openapi_responses", add_openapi_responses)
