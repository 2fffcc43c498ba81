"""v2 credits: the month's balance and the ledger as resources (docs/api.md, "Credits").

``GET /credits``          the current month's figures, with a link to the ledger
``GET /credits/ledger``   ``?month=YYYY-MM&limit=&cursor=``: ``{"items": [entry], "next_cursor"}``, newest first
"""

import colander

from novel_pyramid.api import api_service
from novel_pyramid.api.v1.credits import CreditSummaryBody, LedgerEntryBody
from novel_pyramid.api.validators import querystring_validator
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.credits import schemas
from novel_pyramid.credits.interfaces import ICreditService
from novel_pyramid.credits.serializers import entry_json, summary_json
from novel_pyramid.schema.types import NoInputRequest, StrictMapping, StrictString

credits = api_service("v2.credits", "/credits")
credits_ledger = api_service("v2.credits_ledger", "/credits/ledger")

SERVICES = (credits, credits_ledger)


@credits.get(permission=AUTHENTICATED, schema=NoInputRequest(), validators=(querystring_validator,))
def read_credits(request):
    summary = request.find_service(ICreditService).summary(request.identity.id)
    return {
        **summary_json(summary),
        "links": {"ledger": request.route_url(credits_ledger.name, _query={"month": summary.month})},
    }


@credits_ledger.get(permission=AUTHENTICATED, schema=schemas.LedgerPageRequest(), validators=(querystring_validator,))
def list_ledger(request):
    query = request.validated["querystring"]
    page, more = request.find_service(ICreditService).entries(
        request.identity.id, month=query.get("month"), limit=query["limit"], before_id=query.get("cursor")
    )
    return {
        "items": [entry_json(entry) for entry in page],
        "next_cursor": schemas.encode_entry_cursor(page[-1]) if more else None,
    }


class CreditLinks(StrictMapping):
    ledger = colander.SchemaNode(StrictString(), validator=colander.url, description="This month's entries")


class CreditsBody(CreditSummaryBody):
    links = CreditLinks()


class LedgerItems(colander.SequenceSchema):
    entry = LedgerEntryBody()


class LedgerPage(StrictMapping):
    """Newest first; pass next_cursor back as ?cursor= for the next page."""

    items = LedgerItems()
    next_cursor = colander.SchemaNode(StrictString(), nullable=True)


RESPONSES = {
    ("v2.credits", "GET"): {200: CreditsBody()},
    ("v2.credits_ledger", "GET"): {200: LedgerPage()},
}
