"""The HTTP APIs. Each version is a package included under its own route prefix."""

from cornice import Service

from novel_pyramid.api.renderer import ApiJsonRenderer
from novel_pyramid.api.request_parts import read_request
from novel_pyramid.errors.rendering import cornice_error_handler


def api_service(name, path, **kwargs):
    """A Cornice service that reads requests with our checks and reports errors with our one JSON body."""
    kwargs.setdefault("error_handler", cornice_error_handler)
    kwargs.setdefault("deserializer", read_request)
    return Service(name=name, path=path, **kwargs)


def includeme(config):
    # Replaces Cornice's renderer of the same name, which every service uses.
    config.add_renderer("cornicejson", ApiJsonRenderer())
