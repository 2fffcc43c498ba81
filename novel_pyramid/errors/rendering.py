"""The one JSON error body: ``{"error": message, "code": code, "details"?: {field: [messages]}}``."""

from pyramid.response import Response


def error_response(status, message, code, *, details=None, headers=None, **extra):
    body = {"error": message, "code": code, **extra}
    if details:
        body["details"] = details
    response = Response(status=status, json_body=body, charset="utf-8")
    response.content_type = "application/json"
    for name, value in (headers or {}).items():
        response.headers[name] = str(value)
    return response


# How a failure of a whole request part is named in the message.
LOCATION_NAMES = {
    "body": "Request body",
    "querystring": "Query string",
    "path": "URL path",
    "header": "Headers",
    "headers": "Headers",
    "request": "Request",
}


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


def validation_message(details):
    """One sentence for people: the first field and what is wrong with it, and how many more problems."""
    field, messages = next(iter(details.items()), ("request", ["Invalid request"]))
    message = f"{LOCATION_NAMES.get(field, field)}: {messages[0]}"
    others = sum(len(each) for each in details.values()) - 1
    if others:
        message += f" (and {others} more {'problem' if others == 1 else 'problems'}, listed in details)"
    return message


def cornice_error_handler(request):
    """Cornice's ``error_handler`` for every service: validation failures as one JSON body."""
    errors = request.errors
    details = cornice_details(errors)
    status = getattr(errors, "status", 400) or 400
    return error_response(status, validation_message(details), "invalid_input", details=details)
