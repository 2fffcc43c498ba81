"""A lighter Colander validator for endpoints whose only input is the query string."""

import colander

from novel_pyramid.api.request_parts import read_query_string


def querystring_validator(request, schema=None, **kwargs):
    """Validate ``schema["querystring"]`` against the query string, as Cornice's ``colander_validator`` would.

    Cornice's validator first gathers every part of the request (headers,
    cookies, body, path) into one structure, work wasted on a GET that reads
    nothing but its query string. The schema stays the one source for
    validation and the OpenAPI document alike.
    """
    node = schema["querystring"]
    try:
        request.validated["querystring"] = node.deserialize(read_query_string(request))
    except colander.Invalid as error:
        for name, message in error.asdict(translate=request.localizer.translate).items():
            location, _, field = name.partition(".")
            request.errors.add(location, field, message)
