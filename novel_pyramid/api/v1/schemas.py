"""Colander schemas of every v1 request: body, query string, path and the headers we read."""

import colander

from novel_pyramid.accounts.models import (
    MAX_FOLDER_ID_LENGTH,
    MAX_SENTENCE_LENGTH_LIMIT,
    MAX_SHEET_NAME_PATTERN_LENGTH,
    MIN_SENTENCE_LENGTH_LIMIT,
)
from novel_pyramid.schema.types import (
    ClearableInt,
    ClearableString,
    EmptyQuery,
    QueryInt,
    StrictInt,
    StrictMapping,
    string_node,
    unless_cleared,
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


# Google Drive ids are URL-safe base64 text; "root" names the top of My Drive.
DRIVE_FOLDER_ID_RE = r"^[A-Za-z0-9_-]+\Z"
MAX_ID = 2**31 - 1


def _folder_id_validator():
    validator = unless_cleared(
        colander.Regex(DRIVE_FOLDER_ID_RE, msg="Must be a Google Drive folder id: letters, digits, '-' and '_' only")
    )
    # The documented form also admits "", which clears the value.
    validator.json_schema = {"pattern": "^[A-Za-z0-9_-]*$"}
    return validator


class SettingsBody(StrictMapping):
    """A partial update: keys left out keep their value; null (or "") clears a default."""

    # GET /settings returns it; clients send the object they read back with one field changed.
    read_only_fields = ("updated_at",)

    sentence_length_limit = colander.SchemaNode(
        StrictInt(),
        validator=colander.Range(MIN_SENTENCE_LENGTH_LIMIT, MAX_SENTENCE_LENGTH_LIMIT),
        missing=colander.drop,
    )
    default_folder_id = colander.SchemaNode(
        ClearableString(MAX_FOLDER_ID_LENGTH),
        validator=_folder_id_validator(),
        missing=colander.drop,
        description="Google Drive folder an export goes to when it names none.",
    )
    default_sheet_name_pattern = colander.SchemaNode(
        ClearableString(MAX_SHEET_NAME_PATTERN_LENGTH),
        missing=colander.drop,
        description="Name of an exported spreadsheet when the export names none; "
        "{date} becomes the date (YYYY-MM-DD) and {filename} the novel's file name, other text is kept.",
    )
    default_wordlist_id = colander.SchemaNode(
        ClearableInt(1, MAX_ID),
        missing=colander.drop,
        description="Word list the coverage tool starts from.",
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
