"""The JSON renderer of every API service (Cornice's ``cornicejson``), in our own words.

It answers as Cornice's renderer does: ``application/json``, or ``text/plain``
for a client that prefers it to JSON; no body with ``204 No Content``; objects
with a ``__json__(request)`` method and bytes are serialised. Unlike Cornice's,
it parses ``Accept`` only when text/plain could win over JSON, which most
requests rule out at a glance (docs/performance.md, "Hot-path changes").
"""

import functools
import json

from novel_pyramid.errors.rendering import cornice_error_handler

ACCEPTABLE = ("application/json", "text/plain")


def json_default(request, obj):
    """``json.dumps``'s ``default``: what the API may return beside JSON's own types."""
    if hasattr(obj, "__json__"):
        return obj.__json__(request)
    if isinstance(obj, bytes):
        return obj.decode("utf-8")
    raise TypeError(f"{obj!r} is not JSON serializable")


class ApiJsonRenderer:
    """A renderer factory (``config.add_renderer``); ``serializer_options`` go to ``json.dumps``."""

    def __init__(self, **serializer_options):
        self.serializer_options = serializer_options
        # Built once: json.dumps builds an encoder per call when given ``default``.
        self._encoder = json.JSONEncoder(**serializer_options)

    def __call__(self, info):
        return self.render

    def render(self, value, system):
        request = system.get("request")
        if request is not None:
            response = request.response
            if response.status_code == 204:
                response.content_type = None
                return ""
            response.content_type = _content_type(request)
        try:
            return self._encoder.encode(value)
        except TypeError:
            # Something beside JSON's own types: encoded again, with the conversions of json_default.
            default = functools.partial(json_default, request)
            return json.JSONEncoder(default=default, **self.serializer_options).encode(value)

    def render_errors(self, request):
        """Cornice's hook for a service without an ``error_handler``: the one error body all the same."""
        return cornice_error_handler(request)


# Media ranges that accept JSON, and those that accept text/plain.
JSON_RANGES = frozenset(("application/json", "application/*", "*/*"))
TEXT_RANGES = frozenset(("text/plain", "text/*", "*/*"))


def _content_type(request):
    """The one of ``ACCEPTABLE`` that ``request.accept.acceptable_offers`` would choose."""
    accept = request.environ.get("HTTP_ACCEPT", "").lower()
    if ";" not in accept:
        # Without q-values every range listed weighs the same, and JSON, offered first, wins a
        # tie: the frontend's "application/json, text/plain, */*" needs no parsing.
        ranges = {media.strip() for media in accept.split(",")}
        if ranges.isdisjoint(JSON_RANGES) and not ranges.isdisjoint(TEXT_RANGES):
            return ACCEPTABLE[1]
        return ACCEPTABLE[0]
    if "text/" not in accept and "*/*" not in accept:
        return ACCEPTABLE[0]
    offers = request.accept.acceptable_offers(offers=ACCEPTABLE)
    return offers[0][0] if offers else ACCEPTABLE[0]
