"""v2 estimates as resources (docs/api.md, "v2: estimates").

``POST /estimates``       multipart ``pdf_file`` or JSON ``text``, and ``model_preference``: 201, ``Location``
``GET  /estimates/{id}``  an estimate the user was given, and whether it can still be confirmed

An estimate's ``estimated_credits`` and ``model_preference`` are what a
reservation (``POST /api/v2/jobs`` with ``reserve_credits``, v1's confirm)
must match while ``confirmable``. Another user's estimate is 404.
"""

import colander
from cornice.validators import colander_validator
from pyramid.httpexceptions import HTTPUnsupportedMediaType

from novel_pyramid.api import api_service
from novel_pyramid.api.openapi.responses import (
    ERROR,
    Response,
    integer_field,
    nullable_integer_field,
    text_field,
    timestamp_field,
)
from novel_pyramid.api.v2.schemas import UuidPath
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.credits.interfaces import ICreditService, IPriceTable
from novel_pyramid.credits.pricing import PREFERENCES, rate_json
from novel_pyramid.credits.schemas import ESTIMATE_MAX_BODY_BYTES, ESTIMATE_MAX_CHARACTERS, model_preference_node
from novel_pyramid.db.types import isoformat, utcnow
from novel_pyramid.errors.rendering import cornice_error_handler
from novel_pyramid.estimates.interfaces import IEstimateService
from novel_pyramid.estimates.models import EstimateSource
from novel_pyramid.jobs.schemas import uploaded_pdf_node
from novel_pyramid.ratelimit.rates import ESTIMATE_BUCKET
from novel_pyramid.schema.types import EmptyQuery, StrictMapping, StrictString, string_node


def _error_handler(request):
    """Our one JSON error, also when Cornice finds the Content-Type unsupported (it raises what this returns)."""
    if getattr(request.errors, "status", None) == HTTPUnsupportedMediaType.code:
        return HTTPUnsupportedMediaType("Content-Type: send multipart/form-data with pdf_file, or JSON with text.")
    return cornice_error_handler(request)


estimates = api_service("v2.estimates", "/estimates", error_handler=_error_handler)
estimate = api_service("v2.estimate", "/estimates/{id}")

SERVICES = (estimates, estimate)
SOURCES = ("pdf_file", "text")


class CreateEstimateBody(StrictMapping):
    """``pdf_file`` as multipart/form-data, or ``text`` as JSON: exactly one of them."""

    json_schema_extra = {"oneOf": [{"required": ["pdf_file"]}, {"required": ["text"]}]}

    pdf_file = uploaded_pdf_node(missing=colander.drop)
    text = string_node(
        max_length=ESTIMATE_MAX_CHARACTERS, missing=colander.drop, description="The text to normalise (JSON)."
    )
    model_preference = model_preference_node(missing="balanced")

    def validator(self, node, form):
        given = [name for name in SOURCES if name in form]
        if len(given) != 1:
            error = colander.Invalid(node)
            message = "Send either pdf_file or text, not both" if given else "Send a pdf_file or a text to estimate"
            for name in SOURCES:
                error.add(colander.Invalid(node[name], message))
            raise error


class CreateEstimateRequest(colander.MappingSchema):
    body = CreateEstimateBody()
    querystring = EmptyQuery(missing={})


class EstimateRequest(colander.MappingSchema):
    path = UuidPath()
    querystring = EmptyQuery(missing={})


@estimates.post(
    permission=AUTHENTICATED,
    schema=CreateEstimateRequest(),
    validators=(colander_validator,),
    rate_limit=ESTIMATE_BUCKET,
    accepts_files=True,
    max_body_bytes=ESTIMATE_MAX_BODY_BYTES,
    content_type=("multipart/form-data", "application/json"),
)
def create_estimate(request):
    body = request.validated["body"]
    service = request.find_service(IEstimateService)
    user_id = request.identity.id
    if "pdf_file" in body:
        made = service.estimate(user_id, body["pdf_file"], body["model_preference"])
        details = {"file_size": made.file_size, "image_count": made.image_count, "capped": made.capped}
        if made.warning is not None:
            details["warning"] = made.warning
    else:
        made, details = service.estimate_text(user_id, body["text"], body["model_preference"]), {}
    request.response.status_code = 201
    request.response.headers["Location"] = request.route_url(estimate.name, id=made.issued.id)
    return {**_estimate_json(request, made.issued), **details}


@estimate.get(permission=AUTHENTICATED, schema=EstimateRequest(), validators=(colander_validator,))
def read_estimate(request):
    found = request.find_service(IEstimateService).issued(request.identity.id, request.validated["path"]["id"])
    return _estimate_json(request, found)


def _estimate_json(request, issued):
    prices = request.find_service(IPriceTable)
    expires_at = request.find_service(IEstimateService).expires_at(issued)
    current = issued.pricing_version == prices.version and issued.model == prices.model_for(issued.model_preference)
    balance = request.find_service(ICreditService).balance(issued.user_id)
    return {
        "id": issued.id,
        "source": issued.source,
        "model": issued.model,
        "model_preference": issued.model_preference,
        "page_count": issued.page_count,
        "estimated_tokens": issued.estimated_tokens,
        "estimated_credits": issued.estimated_credits,
        "pricing_rate": rate_json(prices.rate_of(issued.model)) if current else None,
        "pricing_version": issued.pricing_version,
        "estimation_method": issued.estimation_method,
        "current_balance": balance,
        "allowed": issued.estimated_credits <= balance,
        "created_at": isoformat(issued.created_at),
        "expires_at": isoformat(expires_at),
        "confirmable": current and utcnow() < expires_at,
        "links": {"self": request.route_url(estimate.name, id=issued.id)},
    }


# -- what they answer (the OpenAPI document) ---------------------------------------------------


class EstimateLinks(StrictMapping):
    self = text_field(validator=colander.url)


class EstimateBody(StrictMapping):
    id = text_field()
    source = text_field(validator=colander.OneOf([source.value for source in EstimateSource]))
    model = text_field()
    model_preference = text_field(validator=colander.OneOf(PREFERENCES))
    page_count = nullable_integer_field(description="A PDF's pages; null for a text")
    estimated_tokens = integer_field()
    estimated_credits = integer_field(description="What a reservation of this estimate takes")
    pricing_rate = colander.SchemaNode(
        colander.Float(), nullable=True, description="Credits per 1,000 tokens; null once the prices changed"
    )
    pricing_version = text_field()
    estimation_method = text_field(validator=colander.OneOf(["heuristic", "api"]))
    current_balance = integer_field()
    allowed = colander.SchemaNode(colander.Boolean(), description="Whether the balance covers the estimate")
    created_at = timestamp_field()
    expires_at = timestamp_field(description="Until when a reservation can match it")
    confirmable = colander.SchemaNode(
        colander.Boolean(), description="Not expired, and the prices have not changed since"
    )
    links = EstimateLinks()


class CreatedEstimateBody(EstimateBody):
    """The new estimate; a PDF's also says what was read."""

    file_size = integer_field(missing=colander.drop, description="A PDF's bytes")
    image_count = integer_field(missing=colander.drop, description="Distinct images a PDF's pages draw")
    capped = colander.SchemaNode(
        colander.Boolean(), missing=colander.drop, description="Over credits.estimate.max_pages pages: scaled"
    )
    warning = colander.SchemaNode(
        StrictString(), missing=colander.drop, description="Why the figures are approximate (capped)"
    )


RESPONSES = {
    ("v2.estimates", "POST"): {
        201: Response(CreatedEstimateBody(), "The estimate, recorded", headers={"Location": "The estimate's URL"}),
        413: Response(ERROR.schema, "The file or the text is larger than its limit"),
        415: Response(ERROR.schema, "Neither multipart/form-data nor JSON"),
    },
    ("v2.estimate", "GET"): {200: EstimateBody()},
}
