"""The one JSON error body: ``{"error": message, "code": code, "details"?: {field: [messages]}}``."""

from pyramid.response import Response

from novel_pyramid.errors.messages import validation_message


def error_response(status, message, code, *, details=None, headers=None, **extra):
    body = {"error": message, "code": code, **extra}
    if details:
        body["details"] = details
    response = Response(status=status, json_body=body, charset="utf-8")
    response.content_type = "application/json"
    for name, value in (headers or {}).items():
        response.headers[name] = str(value)
    return response


def cornice_details(errors):
    """Turn Cornice's error list into ``{field: [messages]}``.

    A field is named by its dotted path without the location prefix; errors on
    the whole body or query string are filed under that location's name.
    """
    details = {}
    for error in errors:
        name = error.get("name") or error.get("location") or "request"
        details.setdefault(name, []).append(str(error.get("description")))
    return details


def cornice_error_handler(request):
    """Cornice's ``error_handler`` for every service: validation failures as one JSON body."""
    errors = request.errors
    details = cornice_details(errors)
    status = getattr(errors, "status", 400) or 400
    return error_response(status, validation_message(details), "invalid_input", details=details)
