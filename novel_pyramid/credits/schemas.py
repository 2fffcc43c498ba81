"""Colander schemas of the credits requests: query strings, the estimate, a job's confirmation and finalisation."""

import colander

from novel_pyramid.accounts.models import MAX_SENTENCE_LENGTH_LIMIT, MIN_SENTENCE_LENGTH_LIMIT
from novel_pyramid.credits.pricing import PREFERENCES
from novel_pyramid.schema.types import EmptyQuery, JsonBoolean, QueryInt, StrictInt, StrictMapping, string_node

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


def model_preference_node(**kwargs):
    """balanced, quality or speed: the user's choice of model."""
    return string_node(
        validator=colander.OneOf(PREFERENCES),
        description="balanced, quality or speed: which model (settings credits.model.*).",
        **kwargs,
    )


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
    model_preference = model_preference_node(missing="balanced")


class EstimateRequest(colander.MappingSchema):
    body = EstimateBody()
    querystring = EmptyQuery(missing={})


# A reservation above this is a forged estimate: no book within the page limit costs that much.
MAX_RESERVATION_CREDITS = 1_000_000
CONFIRM_MAX_BODY_BYTES = 16 * 1024


class ProcessingSettings(StrictMapping):
    """The options the frontend sends with a confirmation, kept on the job for its upload."""

    sentence_length_limit = colander.SchemaNode(
        StrictInt(),
        validator=colander.Range(MIN_SENTENCE_LENGTH_LIMIT, MAX_SENTENCE_LENGTH_LIMIT),
        missing=colander.drop,
    )
    gemini_model = string_node(max_length=64, missing=colander.drop)
    ignore_dialogue = colander.SchemaNode(JsonBoolean(), missing=colander.drop)
    preserve_formatting = colander.SchemaNode(JsonBoolean(), missing=colander.drop)
    fix_hyphenation = colander.SchemaNode(JsonBoolean(), missing=colander.drop)
    min_sentence_length = colander.SchemaNode(StrictInt(), validator=colander.Range(1, 100), missing=colander.drop)
    # The frontend also sends what its estimate showed; kept for display, never trusted for a price.
    original_filename = string_node(max_length=255, missing=colander.drop)
    estimated_tokens = colander.SchemaNode(StrictInt(), validator=colander.Range(0, 10**12), missing=colander.drop)


class ConfirmBody(StrictMapping):
    estimated_credits = colander.SchemaNode(
        StrictInt(),
        validator=colander.Range(1, MAX_RESERVATION_CREDITS),
        description="The estimate's estimated_credits: what is reserved.",
    )
    model_preference = model_preference_node()
    processing_settings = ProcessingSettings(missing={})


class ConfirmRequest(colander.MappingSchema):
    body = ConfirmBody()
    querystring = EmptyQuery(missing={})


class CreditsJobPath(colander.MappingSchema):
    id = string_node(max_length=64)


class CreditsJobRequest(colander.MappingSchema):
    path = CreditsJobPath()
    querystring = EmptyQuery(missing={})


class FinalizeBody(StrictMapping):
    """What the frontend sends; accepted and ignored: the server settles from what the job used."""

    actual_tokens = colander.SchemaNode(StrictInt(), missing=colander.drop)
    success = colander.SchemaNode(JsonBoolean(), missing=colander.drop)
    error_message = string_node(min_length=0, max_length=2000, missing=colander.drop)
    error_code = string_node(min_length=0, max_length=64, missing=colander.drop)


class FinalizeRequest(CreditsJobRequest):
    body = FinalizeBody(missing={})
