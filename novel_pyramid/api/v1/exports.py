"""v1 export: the frontend's sentences into a new Google Sheets spreadsheet, or appended to an existing one.

The older frontend sends ``{sentences, sheetName, folderId?}``; the newer
export dialog adds a mode, the target spreadsheet and tab, header labels and
column order, sharing and a subset of the sentences. How the fields combine is
checked by ``novel_pyramid.exporters.v1_sheet_request``.
"""

import colander
from cornice.validators import colander_validator

from novel_pyramid.api import api_service
from novel_pyramid.api.openapi.responses import ERROR, Response
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.exporters.google_sheets import (
    EMAIL_MAX_LENGTH,
    MAX_COLLABORATORS,
    mode_node,
    spreadsheet_id_node,
    tab_name_node,
)
from novel_pyramid.exporters.interfaces import IExportService
from novel_pyramid.exporters.options import boolean_node, folder_id_node
from novel_pyramid.exporters.sheet_columns import MAX_HEADER_LENGTH
from novel_pyramid.exporters.v1_sheet_request import V1_COLUMNS
from novel_pyramid.schema.types import Length, StrictInt, StrictMapping, StrictString, string_node

MAX_SENTENCES = 10_000
MAX_SENTENCE_LENGTH = 5_000
MAX_SHEET_NAME_LENGTH = 255
MAX_HEADERS = 10
MAX_HEADER_ORDER = 999
# The largest body docs/api.md ("Export to Google Sheets") allows: 10,000 sentences of 5,000 characters,
# some of them two-byte French letters, plus JSON quoting.
EXPORT_MAX_BODY_BYTES = 128 * 1024 * 1024

export_to_sheet = api_service("v1.export_to_sheet", "/export-to-sheet")


class Sentences(colander.SequenceSchema):
    sentence = string_node(max_length=MAX_SENTENCE_LENGTH)


def _column_name(node, value):
    if not (value.isascii() and value.lower() in V1_COLUMNS):
        raise colander.Invalid(node, f"Must be one of the columns {', '.join(V1_COLUMNS)} (in any case)")


# The same rule for the OpenAPI document: ECMA patterns have no case-insensitive flag.
_column_name.json_schema = {
    "pattern": "^(" + "|".join("".join(f"[{c.upper()}{c}]" for c in name) for name in V1_COLUMNS) + ")$"
}


class ColumnOrder(colander.SequenceSchema):
    column = colander.SchemaNode(StrictString(), validator=_column_name)


class Header(StrictMapping):
    name = string_node(min_length=0, max_length=MAX_HEADER_LENGTH, description="The label in the header row.")
    enabled = boolean_node(default=True, description="false leaves this header's column out.")
    order = colander.SchemaNode(
        StrictInt(), validator=colander.Range(0, MAX_HEADER_ORDER), description="Headers are sorted by order."
    )


class Headers(colander.SequenceSchema):
    header = Header()


class CollaboratorEmails(colander.SequenceSchema):
    email = string_node(max_length=EMAIL_MAX_LENGTH)


class Sharing(StrictMapping):
    addCollaborators = boolean_node(description="Give collaboratorEmails edit access; off: they are not used.")
    collaboratorEmails = CollaboratorEmails(
        validator=colander.Length(0, MAX_COLLABORATORS),
        missing=(),
        description="Checked as e-mail addresses when addCollaborators is true; each gets Google's invitation.",
    )
    publicLink = boolean_node(description="Let anyone with the link view the spreadsheet.")


class SentenceIndices(colander.SequenceSchema):
    index = colander.SchemaNode(StrictInt(), validator=colander.Range(0, MAX_SENTENCES - 1))


class ExportToSheetBody(StrictMapping):
    sentences = Sentences(validator=colander.Length(1, MAX_SENTENCES))
    # camelCase: the names the existing frontend sends.
    # allow_empty keeps "" from passing as "not given": the Length validator then refuses it.
    sheetName = colander.SchemaNode(
        StrictString(allow_empty=True),
        validator=Length(1, MAX_SHEET_NAME_LENGTH),
        missing=colander.drop,
        description="The new spreadsheet's title (mode new). Default: the user's default_sheet_name_pattern "
        "({date}, {filename} of the newest history entry), else French Novel Sentences.",
    )
    folderId = folder_id_node(
        description='Google Drive folder for the new spreadsheet (mode new); absent, null or "": '
        "the user's default_folder_id, else the top of My Drive."
    )
    mode = mode_node("existingSheetId")
    existingSheetId = spreadsheet_id_node(
        missing=colander.drop, description="append: the spreadsheet to add to (required; the id in its address)."
    )
    tabName = tab_name_node(
        missing=colander.drop,
        description="append: the tab to add to (default: the first tab); new: the name of the spreadsheet's tab.",
    )
    createNewTab = boolean_node(description="append: create tabName when the spreadsheet has no tab by that name.")
    headers = Headers(
        validator=colander.Length(1, MAX_HEADERS),
        missing=colander.drop,
        description="One per column of columnOrder: sorted by order, they label the columns in turn.",
    )
    columnOrder = ColumnOrder(
        validator=colander.Length(1, len(V1_COLUMNS)),
        missing=colander.drop,
        description="The columns to export, in order: index and sentence (default both).",
    )
    sharing = Sharing(missing=colander.drop)
    sentenceIndices = SentenceIndices(
        validator=colander.Length(1, MAX_SENTENCES),
        missing=colander.drop,
        description="0-based positions in sentences to export (default all); rows keep the order of sentences.",
        json_schema_extra={"uniqueItems": True},
    )


class ExportToSheetRequest(colander.MappingSchema):
    body = ExportToSheetBody()


class ExportedBody(StrictMapping):
    message = colander.SchemaNode(StrictString(), validator=colander.OneOf(["Export successful"]))
    spreadsheet_url = colander.SchemaNode(StrictString())


# What the endpoint answers, for the OpenAPI document (novel_pyramid.api.openapi).
RESPONSES = {
    ("v1.export_to_sheet", "POST"): {
        200: ExportedBody(),
        403: Response(
            ERROR.schema,
            "No Google Sheets grant, or it was revoked (sign in with Google again); or Google refused to let "
            "you edit the spreadsheet existingSheetId or to share it",
        ),
        502: Response(ERROR.schema, "Google Sheets or Drive failed after retries"),
    },
}


@export_to_sheet.post(
    permission=AUTHENTICATED,
    schema=ExportToSheetRequest(),
    validators=(colander_validator,),
    rate_limit="export",
    max_body_bytes=EXPORT_MAX_BODY_BYTES,
)
def export_sentences_to_sheet(request):
    exports = request.find_service(IExportService)
    url = exports.export_sentences_to_sheet(request.identity.user, request.validated["body"])
    return {"message": "Export successful", "spreadsheet_url": url}
