"""v1 credits: the month's balance, the ledger and estimates (docs/api.md, "Credits").

``GET  /credits/me``        the current month's figures
``GET  /credits/ledger``    ``?month=YYYY-MM&limit=``: entries, newest first
``POST /credits/estimate``  ``{text, model_preference}``: what normalising the text would cost
"""

import colander
from cornice.validators import colander_validator

from novel_pyramid.api import api_service
from novel_pyramid.api.openapi.responses import ERROR, Response
from novel_pyramid.api.validators import querystring_validator
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.credits import schemas
from novel_pyramid.credits.interfaces import ICreditService
from novel_pyramid.credits.models import Reason
from novel_pyramid.credits.pricing import PREFERENCES
from novel_pyramid.credits.serializers import entry_json, estimate_json, summary_json
from novel_pyramid.schema.types import NoInputRequest, StrictInt, StrictMapping, StrictString

credits_me = api_service("v1.credits.me", "/credits/me")
credits_ledger = api_service("v1.credits.ledger", "/credits/ledger")
credits_estimate = api_service("v1.credits.estimate", "/credits/estimate")

SERVICES = (credits_me, credits_ledger, credits_estimate)


@credits_me.get(permission=AUTHENTICATED, schema=NoInputRequest(), validators=(querystring_validator,))
def read_credits(request):
    return summary_json(request.find_service(ICreditService).summary(request.identity.id))


@credits_ledger.get(permission=AUTHENTICATED, schema=schemas.LedgerRequest(), validators=(querystring_validator,))
def list_ledger(request):
    query = request.validated["querystring"]
    entries, _ = request.find_service(ICreditService).entries(
        request.identity.id, month=query.get("month"), limit=query["limit"]
    )
    return [entry_json(entry) for entry in entries]


@credits_estimate.post(
    permission=AUTHENTICATED,
    schema=schemas.EstimateRequest(),
    validators=(colander_validator,),
    max_body_bytes=schemas.ESTIMATE_MAX_BODY_BYTES,
)
def estimate_credits(request):
    body = request.validated["body"]
    service = request.find_service(ICreditService)
    return estimate_json(service.estimate(request.identity.id, body["text"], body["model_preference"]))


# -- what they answer (the OpenAPI document) ---------------------------------------------------


def _int(**kwargs):
    return colander.SchemaNode(StrictInt(), **kwargs)


def _text(**kwargs):
    return colander.SchemaNode(StrictString(), **kwargs)


def _nullable_text(**kwargs):
    return colander.SchemaNode(StrictString(allow_empty=True), nullable=True, **kwargs)


class CreditSummaryBody(StrictMapping):
    """balance = granted + adjusted - used + refunded."""

    balance = _int(description="Credits left this month")
    granted = _int(description="This month's grant")
    used = _int(description="Taken by jobs: reservations, and costs beyond them")
    refunded = _int(description="Given back to jobs: refunds, and reservations beyond the cost")
    adjusted = _int(description="Changes made by an administrator")
    month = _text(description="YYYY-MM (UTC)")
    next_reset = colander.SchemaNode(colander.DateTime(), description="When the next month's grant is due")


class LedgerEntryBody(StrictMapping):
    id = _int()
    user_id = _int()
    month = _text()
    delta_credits = _int(description="Positive: credits given; negative: credits taken")
    reason = _text(validator=colander.OneOf([reason.value for reason in Reason]))
    job_id = _nullable_text()
    pricing_version = _nullable_text()
    description = _nullable_text()
    timestamp = colander.SchemaNode(colander.DateTime())


class LedgerBody(colander.SequenceSchema):
    """Newest first."""

    entry = LedgerEntryBody()


class EstimateBody(StrictMapping):
    model = _text()
    model_preference = _text(validator=colander.OneOf(PREFERENCES))
    estimated_tokens = _int()
    estimated_credits = _int()
    pricing_rate = colander.SchemaNode(colander.Float(), description="Credits per 1,000 tokens")
    pricing_version = _text()
    estimation_method = _text(validator=colander.OneOf(["heuristic", "api"]))
    current_balance = _int()
    allowed = colander.SchemaNode(colander.Boolean(), description="Whether the balance covers the estimate")
    message = _text(missing=colander.drop, description="Why it is not allowed")


RESPONSES = {
    ("v1.credits.me", "GET"): {200: CreditSummaryBody()},
    ("v1.credits.ledger", "GET"): {200: LedgerBody()},
    ("v1.credits.estimate", "POST"): {
        200: EstimateBody(),
        413: Response(ERROR.schema, "The text is larger than the body limit"),
    },
}
