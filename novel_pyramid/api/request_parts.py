"""Read a request into the parts its Colander schema validates, refusing what no field could accept.

Cornice's own reader lets through input that fails later, far from validation:
a multipart type without a boundary, a charset Python does not know, JSON nested
deep enough to exhaust the stack, and text PostgreSQL cannot store (NUL) or UTF-8
cannot encode (a lone surrogate). Each is refused here as the one JSON error,
naming the part or field at fault.
"""

import codecs
import json
import re

from webob.multidict import MultiDict

from novel_pyramid.errors import InvalidInput, UnsupportedMediaType
from novel_pyramid.errors.messages import LOCATION_NAMES

# Deeper than any request of ours is built; far below what exhausts the stack.
MAX_JSON_DEPTH = 32
# What no text field may hold: NUL (PostgreSQL refuses it) and UTF-16 surrogates
# (a JSON "\ud800" decodes to one, and no UTF-8 encoder takes it).
UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Python's names for the charsets JSON and our forms may be sent in.
TEXT_CHARSETS = ("utf-8", "ascii")


def read_request(request):
    """The ``deserializer`` of every service's Colander validator (``cornice.validators``)."""
    return {
        "method": request.method,
        "url": request.url,
        "path": checked_text(dict(request.matchdict or {}), "path"),
        "body": read_body(request),
        "querystring": read_query_string(request),
        "header": dict(request.headers),
        "cookies": dict(request.cookies),
    }


def read_query_string(request):
    """The query string as ``{name: value or [values]}``, its text checked."""
    try:
        query = request.GET.mixed()
    except UnicodeDecodeError:
        _refuse("querystring", "Must be valid UTF-8")
    return checked_text(query, "querystring")


def read_body(request):
    content_type = request.content_type
    _check_charset(request)
    # A form is parsed from the body stream: an upload is never copied whole first.
    if content_type in FORM_TYPES:
        return checked_text(_read_form(request), "body")
    if not request.body:
        return {}
    if not re.fullmatch(r"application/(.*\+)?json", content_type or ""):
        _refuse("body", "Must be JSON (Content-Type: application/json) or a form")
    try:
        text = request.body.decode("utf-8")
        body = json.loads(text)
    except UnicodeDecodeError:
        _refuse("body", "Must be UTF-8 text")
    except RecursionError:
        _refuse("body", f"Must not nest objects or lists more than {MAX_JSON_DEPTH} deep")
    except ValueError as error:
        _refuse("body", f"Is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})")
    return checked_text(body, "body")


def content_type_params(request):
    """The parameters of the Content-Type header (``charset``, ``boundary``), names lower-cased."""
    params = {}
    for part in request.headers.get("Content-Type", "").split(";")[1:]:
        name, _, value = part.partition("=")
        params[name.strip().lower()] = value.strip().strip('"')
    return params


def _check_charset(request):
    charset = content_type_params(request).get("charset")
    if charset is None:
        return
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        name = None
    if name not in TEXT_CHARSETS:
        message = f"The charset {charset[:40]} is not supported; send UTF-8"
        raise UnsupportedMediaType(f"Content-Type: {message}", details={"Content-Type": [message]})


def _read_form(request):
    if request.content_type == "multipart/form-data" and not content_type_params(request).get("boundary"):
        _refuse("body", "Is multipart/form-data without a boundary")
    try:
        form = request.POST
    except (ValueError, UnicodeDecodeError):
        _refuse("body", "Is not a well-formed form")
    return form.mixed() if isinstance(form, MultiDict) else dict(form)


def checked_text(value, location):
    """``value`` unchanged, once no text in it (keys, strings, file names) holds NUL or a surrogate."""
    stack = [(value, (), 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            _refuse(location, f"Must not nest objects or lists more than {MAX_JSON_DEPTH} deep")
        if isinstance(item, str):
            _check_text(item, location, path)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(str(key), location, path)
                stack.append((child, (*path, str(key)), depth + 1))
        elif isinstance(item, list):
            stack.extend((child, (*path, str(index)), depth + 1) for index, child in enumerate(item))
        elif isinstance(getattr(item, "filename", None), str):
            _check_text(item.filename, location, path, "Must have a file name without NUL or invalid characters")
    return value


def _check_text(text, location, path, message="Must not contain NUL or invalid (surrogate) characters"):
    if UNSTORABLE_TEXT.search(text):
        field = ".".join(path) if path else location
        # The field name itself may be the bad text: never echo it back.
        field = field if not UNSTORABLE_TEXT.search(field) else location
        raise InvalidInput(f"{field}: {message}", details={field: [message]})


def _refuse(location, message):
    raise InvalidInput(f"{LOCATION_NAMES[location]}: {message}", details={location: [message]})
