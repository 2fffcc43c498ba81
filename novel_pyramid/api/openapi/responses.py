"""What each operation answers: response declarations kept in the registry.

Cornice hands every decorator argument it does not know to Pyramid's
``add_view``, which refuses unknown ones, so responses cannot ride on
``@service.get(...)``. Each API package declares them instead in its own
``responses.py``, keyed by (Cornice service name, HTTP method), and registers
them from its ``includeme``::

    # novel_pyramid/api/v2/responses.py (or beside the services, as RESPONSES)
    from novel_pyramid.api.openapi.responses import ERROR, Response

    RESPONSES = {
        ("v2.jobs", "POST"): {
            202: Response(JobBody(), "Job accepted", headers={"Location": "The job's URL"}),
            413: ERROR,
        },
        ("v2.job", "GET"): {200: JobBody()},
    }

    # novel_pyramid/api/v2/__init__.py, in includeme
    config.include("novel_pyramid.api.openapi")
    config.add_openapi_document()  # serves /api/v2/openapi.json
    config.add_openapi_responses(responses.RESPONSES)

A value is a Colander node (a JSON body of that shape), ``None`` (no body), or
a ``Response`` for a description, headers or another media type. The document
adds the standard errors on its own: 400 when the view has a request schema,
401 when it needs a signed-in user, 404 when its path has a parameter, 429
unless the view is ``rate_limit="exempt"``. Other error statuses (403, 409, 413,
502, 503...) are declared here, with ``ERROR``.
"""

from dataclasses import dataclass, field
from http import HTTPStatus

import colander

from novel_pyramid.schema.types import StrictInt, StrictString

REGISTRY_KEY = "openapi.responses"


# The fields answers are made of. Timestamps are ISO 8601 UTC with a Z
# (docs/api.md, "Everywhere"), documented as RFC 3339 date-times.
def text_field(**kwargs):
    return colander.SchemaNode(StrictString(), **kwargs)


def nullable_text_field(**kwargs):
    return colander.SchemaNode(StrictString(allow_empty=True), nullable=True, **kwargs)


def integer_field(**kwargs):
    return colander.SchemaNode(StrictInt(), **kwargs)


def nullable_integer_field(**kwargs):
    return colander.SchemaNode(StrictInt(), nullable=True, **kwargs)


def timestamp_field(**kwargs):
    return colander.SchemaNode(colander.DateTime(), **kwargs)


def nullable_timestamp_field(**kwargs):
    return colander.SchemaNode(colander.DateTime(), nullable=True, **kwargs)


class OpenMapping(colander.MappingSchema):
    """A JSON object that may carry keys beyond the ones named (``additionalProperties: true``).

    Pass ``additional_properties=<node>`` to say what the values under other keys look like.
    """

    @staticmethod
    def schema_type():
        return colander.Mapping(unknown="preserve")


class FieldMessages(colander.SequenceSchema):
    message = colander.SchemaNode(StrictString(allow_empty=True))


class ErrorBody(OpenMapping):
    """The one JSON error body (novel_pyramid.errors.rendering); extra keys such as request_id may follow."""

    error = colander.SchemaNode(StrictString(allow_empty=True), description="For humans")
    code = colander.SchemaNode(StrictString(), description="Stable, for machines")
    details = OpenMapping(
        missing=colander.drop,
        additional_properties=FieldMessages(),
        description="{field: [messages]} for the fields at fault, each named by its dotted path",
    )


@dataclass(frozen=True)
class Response:
    """One documented response: body schema (None: no body), description, headers, media type(s)."""

    schema: object = None
    description: str = ""
    headers: dict = field(default_factory=dict)
    media_type: str = "application/json"

    def described_for(self, status):
        if self.description:
            return self
        phrase = HTTPStatus(int(status)).phrase if str(status).isdigit() else "Response"
        return Response(self.schema, phrase, self.headers, self.media_type)


ERROR = Response(ErrorBody())

RETRY_AFTER = {"Retry-After": "Seconds to wait before trying again"}
RATE_LIMIT_HEADERS = {
    **RETRY_AFTER,
    "X-RateLimit-Limit": "Requests allowed in the window",
    "X-RateLimit-Remaining": "Requests left in the window",
    "X-RateLimit-Reset": "When the window resets (epoch seconds)",
}


def as_response(value, status):
    """Normalise one declared value (node, None or Response) into a described Response."""
    if not isinstance(value, Response):
        value = Response(value)
    return value.described_for(status)


def add_openapi_responses(config, declarations):
    """Config directive: record the responses of (service name, method) pairs."""
    store = config.registry.setdefault(REGISTRY_KEY, {})
    for (service_name, method), responses in declarations.items():
        store[(service_name, method.upper())] = {
            str(status): as_response(value, status) for status, value in responses.items()
        }


def declared_responses(registry, service_name, method):
    """The responses declared for one operation, ``{}`` when none were."""
    return dict(registry.get(REGISTRY_KEY, {}).get((service_name, method.upper()), {}))
