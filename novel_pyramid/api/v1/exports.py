"""v1 export: the frontend's sentences into a new Google Sheets spreadsheet (CONTRACT §2)."""

import colander
from cornice.validators import colander_validator

from novel_pyramid.api import api_service
from novel_pyramid.api.colander_types import StrictMapping, StrictString, string_node
from novel_pyramid.api.openapi.responses import ERROR, Response
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.exporters.options import folder_id_node
from novel_pyramid.exporters.services import ExportService

MAX_SENTENCES = 10_000
MAX_SENTENCE_LENGTH = 5_000
MAX_SHEET_NAME_LENGTH = 255
# The largest body CONTRACT §2 allows: 10,000 sentences of 5,000 characters,
# some of them two-byte French letters, plus JSON quoting.
EXPORT_MAX_BODY_BYTES = 128 * 1024 * 1024

export_to_sheet = api_service("v1.export_to_sheet", "/export-to-sheet")


class Sentences(colander.SequenceSchema):
    sentence = string_node(max_length=MAX_SENTENCE_LENGTH)


class ExportToSheetBody(StrictMapping):
    sentences = Sentences(validator=colander.Length(1, MAX_SENTENCES))
    # camelCase: the names the existing frontend sends.
    sheetName = string_node(max_length=MAX_SHEET_NAME_LENGTH)
    folderId = folder_id_node()


class ExportToSheetRequest(colander.MappingSchema):
    body = ExportToSheetBody()


class ExportedBody(StrictMapping):
    message = colander.SchemaNode(StrictString(), validator=colander.OneOf(["Export successful"]))
    spreadsheet_url = colander.SchemaNode(StrictString())


# What the endpoint answers, for the OpenAPI document (novel_pyramid.api.openapi).
RESPONSES = {
    ("v1.export_to_sheet", "POST"): {
        200: ExportedBody(),
        403: Response(ERROR.schema, "No Google Sheets grant, or it was revoked: sign in with Google again"),
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
    body = request.validated["body"]
    url = ExportService.for_request(request).export_sentences_to_sheet(
        request.identity.user, body["sentences"], body["sheetName"], body["folderId"]
    )
    return {"message": "Export successful", "spreadsheet_url": url}
