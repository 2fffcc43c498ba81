"""Colander schemas of every v1 request: body, query string, path and the headers we read."""

import colander

from novel_pyramid.accounts.models import MAX_SENTENCE_LENGTH_LIMIT, MIN_SENTENCE_LENGTH_LIMIT
from novel_pyramid.api.colander_types import (
    QueryInt,
    StrictInt,
    StrictMapping,
    string_node,
)

HISTORY_DEFAULT_LIMIT = 50
HISTORY_MAX_LIMIT = 1000


class GoogleLoginBody(StrictMapping):
    # The view answers 400 unless one of the two is given (and not empty, which
    # Colander reads as absent); say so in the OpenAPI document.
    json_schema_extra = {
        "minProperties": 1,
        "anyOf": [{"required": [name], "properties": {name: {"minLength": 1}}} for name in ("token", "code")],
    }
    token = string_node(max_length=8192, missing=colander.drop)
    code = string_node(max_length=2048, missing=colander.drop)


class GoogleLoginRequest(colander.MappingSchema):
    body = GoogleLoginBody()


class DevLoginBody(StrictMapping):
    email = string_node(max_length=255, validator=colander.Email())


class DevLoginRequest(colander.MappingSchema):
    body = DevLoginBody()


class RefreshBody(StrictMapping):
    refresh_token = string_node(max_length=512, missing=colander.drop)


class RefreshRequest(colander.MappingSchema):
    body = RefreshBody(missing={})


class EmptyQuery(StrictMapping):
    pass


class NoInputRequest(colander.MappingSchema):
    """Endpoints that take nothing still refuse unknown query parameters."""

    querystring = EmptyQuery(missing={})


class SettingsBody(StrictMapping):
    sentence_length_limit = colander.SchemaNode(
        StrictInt(),
        validator=colander.Range(MIN_SENTENCE_LENGTH_LIMIT, MAX_SENTENCE_LENGTH_LIMIT),
        missing=colander.drop,
    )


class SettingsRequest(colander.MappingSchema):
    body = SettingsBody()


class HistoryQuery(StrictMapping):
    limit = colander.SchemaNode(
        QueryInt(),
        validator=colander.Range(1, HISTORY_MAX_LIMIT),
        missing=HISTORY_DEFAULT_LIMIT,
    )


class HistoryListRequest(colander.MappingSchema):
    querystring = HistoryQuery(missing={})


class HistoryPath(colander.MappingSchema):
    id = colander.SchemaNode(QueryInt(), validator=colander.Range(1, 2**31 - 1))


class HistoryItemRequest(colander.MappingSchema):
    path = HistoryPath()
    querystring = EmptyQuery(missing={})
