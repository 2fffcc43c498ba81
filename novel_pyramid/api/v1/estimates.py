"""v1 estimates of an uploaded PDF (docs/api.md, "Estimates of a PDF").

``POST /extract-pdf-text``  multipart ``pdf_file``: its text and page count
``POST /estimate-pdf``      multipart ``pdf_file`` and ``model_preference``: what normalising it would cost
"""

import colander
from cornice.validators import colander_validator

from novel_pyramid.api import api_service
from novel_pyramid.api.openapi.responses import ERROR, Response, integer_field, text_field
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.credits.pricing import PREFERENCES
from novel_pyramid.credits.schemas import model_preference_node
from novel_pyramid.estimates.interfaces import IEstimateService
from novel_pyramid.estimates.serializers import estimate_json, text_json
from novel_pyramid.jobs.schemas import uploaded_pdf_node
from novel_pyramid.ratelimit.rates import ESTIMATE_BUCKET
from novel_pyramid.schema.types import EmptyQuery, StrictMapping, StrictString

extract_pdf_text = api_service("v1.extract_pdf_text", "/extract-pdf-text")
estimate_pdf = api_service("v1.estimate_pdf", "/estimate-pdf")

SERVICES = (extract_pdf_text, estimate_pdf)


class ExtractForm(colander.MappingSchema):
    """multipart/form-data; fields other than ``pdf_file`` are ignored, as for /process-pdf."""

    pdf_file = uploaded_pdf_node()


class ExtractRequest(colander.MappingSchema):
    body = ExtractForm()
    querystring = EmptyQuery(missing={})


class EstimateForm(colander.MappingSchema):
    pdf_file = uploaded_pdf_node()
    model_preference = model_preference_node(missing="balanced")


class EstimateRequest(colander.MappingSchema):
    body = EstimateForm()
    querystring = EmptyQuery(missing={})


# Both read an upload of the signed-in user, counted in the estimate bucket.
UPLOAD_VIEW = {
    "permission": AUTHENTICATED,
    "validators": (colander_validator,),
    "rate_limit": ESTIMATE_BUCKET,
    "accepts_files": True,
}


@extract_pdf_text.post(schema=ExtractRequest(), **UPLOAD_VIEW)
def extract_text(request):
    extracted = request.find_service(IEstimateService).extract_text(request.validated["body"]["pdf_file"])
    return text_json(extracted)


@estimate_pdf.post(schema=EstimateRequest(), **UPLOAD_VIEW)
def estimate(request):
    body = request.validated["body"]
    service = request.find_service(IEstimateService)
    return estimate_json(service.estimate(request.identity.id, body["pdf_file"], body["model_preference"]))


# -- what they answer (the OpenAPI document) ---------------------------------------------------


class PdfTextBody(StrictMapping):
    text = colander.SchemaNode(StrictString(allow_empty=True), description="Paragraphs, separated by blank lines")
    page_count = integer_field()


class PdfEstimateBody(StrictMapping):
    page_count = integer_field()
    file_size = integer_field(description="Bytes")
    image_count = integer_field(description="Distinct images the pages draw")
    estimated_tokens = integer_field()
    estimated_credits = integer_field()
    model = text_field()
    model_preference = text_field(validator=colander.OneOf(PREFERENCES))
    pricing_rate = colander.SchemaNode(colander.Float(), description="Credits per 1,000 tokens")
    pricing_version = text_field()
    estimation_method = text_field(validator=colander.OneOf(["heuristic", "api"]))
    capped = colander.SchemaNode(
        colander.Boolean(), description="Over credits.estimate.max_pages pages: scaled from the first ones"
    )
    warning = text_field(missing=colander.drop, description="Why the figures are approximate (capped)")


TOO_LARGE = Response(ERROR.schema, "The file is larger than MAX_FILE_SIZE")

RESPONSES = {
    ("v1.extract_pdf_text", "POST"): {200: PdfTextBody(), 413: TOO_LARGE},
    ("v1.estimate_pdf", "POST"): {200: PdfEstimateBody(), 413: TOO_LARGE},
}
