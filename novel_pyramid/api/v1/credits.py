"""v1 credits: the month's balance, the ledger and estimates (docs/api.md, "Credits").

``GET  /credits/me``        the current month's figures
``GET  /credits/ledger``    ``?month=YYYY-MM&limit=``: entries, newest first
``POST /credits/estimate``  ``{text, model_preference}``: what normalising the text would cost
``POST /credits/jobs/confirm``        reserve an estimate's credits (one this server gave) for a job awaiting its upload
``GET  /credits/jobs/{id}``           the job in the frontend's Job shape
``POST /credits/jobs/{id}/finalize``  the ended job's settled credits (the server settles; the body is ignored)
"""

import colander
from cornice.validators import colander_validator

from novel_pyramid.accounts.interfaces import IAccountService
from novel_pyramid.api import api_service
from novel_pyramid.api.openapi.responses import (
    ERROR,
    Response,
    integer_field,
    nullable_text_field,
    text_field,
)
from novel_pyramid.api.validators import querystring_validator
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.credits import schemas
from novel_pyramid.credits.interfaces import ICreditService
from novel_pyramid.credits.models import Reason
from novel_pyramid.credits.pricing import PREFERENCES
from novel_pyramid.credits.serializers import entry_json, estimate_json, summary_json
from novel_pyramid.estimates.interfaces import IEstimateService
from novel_pyramid.jobs.interfaces import IJobService
from novel_pyramid.jobs.serializers import v1_confirmed_job_json, v1_credits_job_json, v1_finalized_job_json
from novel_pyramid.schema.types import NoInputRequest, StrictMapping

credits_me = api_service("v1.credits.me", "/credits/me")
credits_ledger = api_service("v1.credits.ledger", "/credits/ledger")
credits_estimate = api_service("v1.credits.estimate", "/credits/estimate")

credits_job_confirm = api_service("v1.credits.jobs.confirm", "/credits/jobs/confirm")
credits_job = api_service("v1.credits.jobs.item", "/credits/jobs/{id}")
credits_job_finalize = api_service("v1.credits.jobs.finalize", "/credits/jobs/{id}/finalize")

SERVICES = (credits_me, credits_ledger, credits_estimate, credits_job_confirm, credits_job, credits_job_finalize)


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


# A JSON body of the signed-in user, validated against the view's schema.
JSON_BODY_VIEW = {"permission": AUTHENTICATED, "validators": (colander_validator,)}


@credits_estimate.post(
    schema=schemas.EstimateRequest(), max_body_bytes=schemas.ESTIMATE_MAX_BODY_BYTES, **JSON_BODY_VIEW
)
def estimate_credits(request):
    body = request.validated["body"]
    service = request.find_service(IEstimateService)
    return estimate_json(service.estimate_text(request.identity.id, body["text"], body["model_preference"]).estimate)


@credits_job_confirm.post(
    schema=schemas.ConfirmRequest(), max_body_bytes=schemas.CONFIRM_MAX_BODY_BYTES, **JSON_BODY_VIEW
)
def confirm_job(request):
    body = request.validated["body"]
    # Only an amount this server estimated for this user, recently and at today's prices, can be reserved.
    request.find_service(IEstimateService).check_confirm(
        request.identity.id, body["estimated_credits"], body["model_preference"]
    )
    options = body["processing_settings"]
    limit = options.get("sentence_length_limit")
    if limit is None:
        limit = request.find_service(IAccountService).settings_of(request.identity.user).sentence_length_limit
    job = request.find_service(IJobService).confirm(
        request.identity.id,
        estimated_credits=body["estimated_credits"],
        model_preference=body["model_preference"],
        sentence_length_limit=limit,
        processing_settings=options,
    )
    return v1_confirmed_job_json(job)


@credits_job.get(permission=AUTHENTICATED, schema=schemas.CreditsJobRequest(), validators=(colander_validator,))
def read_credits_job(request):
    jobs = request.find_service(IJobService)
    job = jobs.get(request.identity.id, request.validated["path"]["id"])
    return v1_credits_job_json(job, jobs.facts([job])[job.id])


@credits_job_finalize.post(permission=AUTHENTICATED, schema=schemas.FinalizeRequest(), validators=(colander_validator,))
def finalize_job(request):
    # Whatever the body says (actual_tokens, success), the cost is the one the server settled.
    job, settlement = request.find_service(IJobService).settled_credits(
        request.identity.id, request.validated["path"]["id"]
    )
    return v1_finalized_job_json(job, settlement)


# -- what they answer (the OpenAPI document) ---------------------------------------------------


class CreditSummaryBody(StrictMapping):
    """balance = granted + adjusted - used + refunded."""

    balance = integer_field(description="Credits left this month")
    granted = integer_field(description="This month's grant")
    used = integer_field(description="Taken by jobs: reservations, and costs beyond them")
    refunded = integer_field(description="Given back to jobs: refunds, and reservations beyond the cost")
    adjusted = integer_field(description="Changes made by an administrator")
    month = text_field(description="YYYY-MM (UTC)")
    next_reset = colander.SchemaNode(colander.DateTime(), description="When the next month's grant is due")


class LedgerEntryBody(StrictMapping):
    id = integer_field()
    user_id = integer_field()
    month = text_field()
    delta_credits = integer_field(description="Positive: credits given; negative: credits taken")
    reason = text_field(validator=colander.OneOf([reason.value for reason in Reason]))
    job_id = nullable_text_field()
    pricing_version = nullable_text_field()
    description = nullable_text_field()
    timestamp = colander.SchemaNode(colander.DateTime())


class LedgerBody(colander.SequenceSchema):
    """Newest first."""

    entry = LedgerEntryBody()


class EstimateBody(StrictMapping):
    model = text_field()
    model_preference = text_field(validator=colander.OneOf(PREFERENCES))
    estimated_tokens = integer_field()
    estimated_credits = integer_field()
    pricing_rate = colander.SchemaNode(colander.Float(), description="Credits per 1,000 tokens")
    pricing_version = text_field()
    estimation_method = text_field(validator=colander.OneOf(["heuristic", "api"]))
    current_balance = integer_field()
    allowed = colander.SchemaNode(colander.Boolean(), description="Whether the balance covers the estimate")
    message = text_field(missing=colander.drop, description="Why it is not allowed")


class ConfirmBody(StrictMapping):
    job_id = text_field()
    status = text_field(validator=colander.OneOf(["pending"]))
    estimated_credits = integer_field()
    reserved = colander.SchemaNode(colander.Boolean())
    message = text_field()


class FinalizeBody(StrictMapping):
    job_id = text_field()
    status = text_field(validator=colander.OneOf(["completed", "failed", "cancelled"]))
    estimated_credits = integer_field(description="What was reserved")
    actual_credits = integer_field(description="What the job cost, as the server counted it")
    adjustment = integer_field(description="actual_credits - estimated_credits")
    refunded = colander.SchemaNode(colander.Boolean())
    refund_amount = integer_field(missing=colander.drop, description="A refunded job's whole reservation")
    message = text_field()


RESPONSES = {
    ("v1.credits.jobs.confirm", "POST"): {
        200: ConfirmBody(),
        402: Response(ERROR.schema, "The balance does not cover the estimate; nothing was written"),
        409: Response(
            ERROR.schema,
            "No estimate of this amount and preference was given to this user recently at the current prices "
            "(reason: unknown, expired or outdated); nothing was written",
        ),
    },
    ("v1.credits.jobs.finalize", "POST"): {
        200: FinalizeBody(),
        409: Response(ERROR.schema, "The job has not ended yet"),
    },
    ("v1.credits.me", "GET"): {200: CreditSummaryBody()},
    ("v1.credits.ledger", "GET"): {200: LedgerBody()},
    ("v1.credits.estimate", "POST"): {
        200: EstimateBody(),
        413: Response(ERROR.schema, "The text is larger than the body limit"),
    },
}
