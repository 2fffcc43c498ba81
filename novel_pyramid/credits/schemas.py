"""Colander schemas of the credits requests: query strings and the estimate's body."""

import colander

from novel_pyramid.credits.pricing import PREFERENCES
from novel_pyramid.schema.types import EmptyQuery, QueryInt, StrictMapping, string_node

LEDGER_DEFAULT_LIMIT = 100
LEDGER_MAX_LIMIT = 1000
# About 2,000 pages of a novel; the body limit leaves room for JSON escapes (6 bytes a character).
ESTIMATE_MAX_CHARACTERS = 4_000_000
ESTIMATE_MAX_BODY_BYTES = 6 * ESTIMATE_MAX_CHARACTERS + 64 * 1024

MONTH_RE = r"^[0-9]{4}-(0[1-9]|1[0-2])\Z"
MAX_ENTRY_ID = 2**53


def month_node():
    validator = colander.Regex(MONTH_RE, msg="Must be a month written YYYY-MM, such as 2026-12")
    # The document's pattern is ECMA-262, which has no \Z.
    validator.json_schema = {"pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"}
    return string_node(
        max_length=7,
        validator=validator,
        missing=colander.drop,
        description="Calendar month (UTC), YYYY-MM; every month when left out.",
    )


def limit_node():
    return colander.SchemaNode(QueryInt(), validator=colander.Range(1, LEDGER_MAX_LIMIT), missing=LEDGER_DEFAULT_LIMIT)


class LedgerQuery(StrictMapping):
    month = month_node()
    limit = limit_node()


class LedgerRequest(colander.MappingSchema):
    querystring = LedgerQuery(missing={})


def encode_entry_cursor(entry):
    return str(entry.id)


class LedgerPageQuery(LedgerQuery):
    # Any entry id is a valid cursor (the page of older entries), so none is refused as forged.
    cursor = colander.SchemaNode(
        QueryInt(),
        validator=colander.Range(1, MAX_ENTRY_ID),
        missing=colander.drop,
        description="The next_cursor of the previous page.",
    )


class LedgerPageRequest(colander.MappingSchema):
    querystring = LedgerPageQuery(missing={})


class EstimateBody(StrictMapping):
    text = string_node(max_length=ESTIMATE_MAX_CHARACTERS, description="The text to normalise.")
    model_preference = string_node(
        validator=colander.OneOf(PREFERENCES),
        missing="balanced",
        description="balanced, quality or speed: which model (settings credits.model.*).",
    )


class EstimateRequest(colander.MappingSchema):
    body = EstimateBody()
    querystring = EmptyQuery(missing={})
