"""v1 history: the user's processed uploads, newest first, and the detail of one (the frontend's history dialog).

``GET    /history``                 the newest entries (``?limit=``)
``DELETE /history/{id}``            delete one entry (its job stays)
``GET    /history/{id}``            the entry, its sentences with their originals, its job's chunks
``GET    /history/{id}/chunks``     ``{chunks}``: the job's chunks (ChunkDetail)
``POST   /history/{id}/refresh``    rebuild the entry's snapshot from its ended job's chunks
``POST   /history/{id}/retry``      send the failed chunks of the entry's failed job again
``POST   /history/{id}/duplicate``  the entry's settings, for a new upload with the same ones
``POST   /history/{id}/export``     the entry's sentences to Google Sheets, with the options of /export-to-sheet

Another user's entry is 404 everywhere.
"""

import colander
from cornice.validators import colander_validator

from novel_pyramid.api import api_service
from novel_pyramid.api.openapi.responses import (
    ERROR,
    OpenMapping,
    Response,
    integer_field,
    nullable_integer_field,
    nullable_text_field,
    nullable_timestamp_field,
    text_field,
    timestamp_field,
)
from novel_pyramid.api.v1 import schemas
from novel_pyramid.api.v1.exports import ExportToSheetBody
from novel_pyramid.api.validators import querystring_validator
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.errors import Conflict
from novel_pyramid.exporters.google_sheets import NEW
from novel_pyramid.exporters.interfaces import IExportService
from novel_pyramid.history.interfaces import IHistoryService
from novel_pyramid.jobs.detail_interfaces import IJobDetails
from novel_pyramid.jobs.details import LIVE_CHUNKS, SNAPSHOT, v1_chunk_json, v1_history_detail_json
from novel_pyramid.jobs.failures import FAILURE_CODES
from novel_pyramid.schema.types import EmptyQuery, StrictMapping

history = api_service("v1.history", "/history")
history_entry = api_service("v1.history.entry", "/history/{id}")
history_chunks = api_service("v1.history.chunks", "/history/{id}/chunks")
history_refresh = api_service("v1.history.refresh", "/history/{id}/refresh")
history_retry = api_service("v1.history.retry", "/history/{id}/retry")
history_duplicate = api_service("v1.history.duplicate", "/history/{id}/duplicate")
history_export = api_service("v1.history.export", "/history/{id}/export")

SERVICES = (
    history,
    history_entry,
    history_chunks,
    history_refresh,
    history_retry,
    history_duplicate,
    history_export,
)


# -- requests ----------------------------------------------------------------------------


class NoBody(StrictMapping):
    """Nothing is read from the body; any field sent is refused."""


class EntryActionRequest(colander.MappingSchema):
    path = schemas.HistoryPath()
    querystring = EmptyQuery(missing={})
    body = NoBody(missing={})


class HistoryExportBody(ExportToSheetBody):
    """The options of ``POST /export-to-sheet``; the sentences are the entry's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self["sentences"]
        self[
            "sentenceIndices"
        ].description = (
            "0-based positions in the entry's sentences to export (default all); rows keep the order of the text."
        )


class HistoryExportRequest(colander.MappingSchema):
    path = schemas.HistoryPath()
    querystring = EmptyQuery(missing={})
    body = HistoryExportBody(missing={})


# -- answers (the OpenAPI document) ---------------------------------------------------------

FAILED_STEPS = ["upload", "extract", "analyze", "normalize", "export"]


class EntrySettings(OpenMapping):
    """The settings the job ran with."""

    sentence_length = nullable_integer_field(missing=colander.drop, description="Longest sentence kept, in words")
    sentence_length_limit = nullable_integer_field(missing=colander.drop, description="The same, by its other name")
    gemini_model = nullable_text_field(missing=colander.drop)
    advanced_options = OpenMapping(missing=colander.drop, description="The job's other processing options")


class HistoryEntryBody(StrictMapping):
    id = integer_field()
    timestamp = timestamp_field()
    original_filename = nullable_text_field()
    processed_sentences_count = nullable_integer_field()
    spreadsheet_url = nullable_text_field()
    error_message = nullable_text_field()
    job_id = nullable_text_field(description="The job that made the entry (null once it is deleted)")
    error_code = nullable_text_field(description="Why the job failed, as a stable code")
    failed_step = nullable_text_field(validator=colander.OneOf(FAILED_STEPS), description="Where a failed job stopped")
    settings = EntrySettings(nullable=True)


class HistoryListBody(colander.SequenceSchema):
    """Newest first."""

    entry = HistoryEntryBody()


class SentencePair(StrictMapping):
    normalized = text_field()
    original = nullable_text_field(description='The sentence it was rewritten from ("" when not known)')


class SentencePairs(colander.SequenceSchema):
    pair = SentencePair()


class ChunkDetailBody(StrictMapping):
    id = integer_field()
    job_id = text_field()
    chunk_id = integer_field(description="The chunk's place in the book, from 0")
    start_page = nullable_integer_field(description="Its first page, counted from 0")
    end_page = nullable_integer_field(description="Its last page, counted from 0")
    page_count = nullable_integer_field()
    has_overlap = colander.SchemaNode(colander.Boolean())
    status = text_field(validator=colander.OneOf(["pending", "processing", "success", "failed"]))
    attempts = integer_field()
    max_retries = integer_field()
    last_error = nullable_text_field()
    last_error_code = nullable_text_field(validator=colander.OneOf(FAILURE_CODES))
    processed_at = nullable_timestamp_field()
    created_at = timestamp_field()
    updated_at = nullable_timestamp_field()


class ChunkDetails(colander.SequenceSchema):
    chunk = ChunkDetailBody()


class ChunkIds(colander.SequenceSchema):
    chunk_id = integer_field()


class HistoryDetailBody(HistoryEntryBody):
    sentences = SentencePairs()
    chunk_ids = ChunkIds()
    chunks = ChunkDetails()
    sentences_source = text_field(
        validator=colander.OneOf([SNAPSHOT, LIVE_CHUNKS]),
        description="snapshot: kept with the entry when the job ended; live_chunks: read from the job's chunks",
    )


class ChunksBody(StrictMapping):
    chunks = ChunkDetails()


class RefreshedBody(StrictMapping):
    message = text_field()
    sentences_count = integer_field()
    entry = HistoryDetailBody()


class RetriedBody(StrictMapping):
    message = text_field()
    entry_id = integer_field()
    settings = EntrySettings()


class DuplicatedBody(StrictMapping):
    message = text_field()
    settings = EntrySettings()
    original_filename = nullable_text_field()


class ExportedBody(StrictMapping):
    spreadsheet_url = text_field()
    sentences_source = text_field(validator=colander.OneOf([SNAPSHOT, LIVE_CHUNKS]))
    sentences_count = integer_field()


NOTHING_TO_DO = Response(ERROR.schema, "Not possible for this entry (its job was deleted, or is in the wrong state)")

RESPONSES = {
    ("v1.history", "GET"): {200: HistoryListBody()},
    ("v1.history.entry", "GET"): {200: HistoryDetailBody()},
    ("v1.history.chunks", "GET"): {200: ChunksBody()},
    ("v1.history.refresh", "POST"): {200: RefreshedBody(), 409: NOTHING_TO_DO},
    ("v1.history.retry", "POST"): {
        200: RetriedBody(),
        409: NOTHING_TO_DO,
        503: Response(ERROR.schema, "The task queue is unavailable; nothing was sent"),
    },
    ("v1.history.duplicate", "POST"): {200: DuplicatedBody()},
    ("v1.history.export", "POST"): {
        200: ExportedBody(),
        403: Response(ERROR.schema, "No Google Sheets grant, or it was revoked (sign in with Google again)"),
        409: Response(ERROR.schema, "The entry has no sentences to export"),
        502: Response(ERROR.schema, "Google Sheets or Drive failed after retries"),
    },
}


# -- views -------------------------------------------------------------------------------------


@history.get(
    permission=AUTHENTICATED,
    schema=schemas.HistoryListRequest(),
    validators=(querystring_validator,),
)
def list_history(request):
    history = request.find_service(IHistoryService)
    return history.latest(request.identity.id, request.validated["querystring"]["limit"])


@history_entry.delete(permission=AUTHENTICATED, schema=schemas.HistoryItemRequest(), validators=(colander_validator,))
def delete_history_entry(request):
    request.find_service(IHistoryService).delete(request.identity.id, _entry_id(request))
    return {"message": "History entry deleted"}


@history_entry.get(permission=AUTHENTICATED, schema=schemas.HistoryItemRequest(), validators=(colander_validator,))
def read_history_entry(request):
    detail = request.find_service(IJobDetails).entry_detail(request.identity.id, _entry_id(request))
    return v1_history_detail_json(detail)


@history_chunks.get(permission=AUTHENTICATED, schema=schemas.HistoryItemRequest(), validators=(colander_validator,))
def list_history_chunks(request):
    detail = request.find_service(IJobDetails).entry_detail(request.identity.id, _entry_id(request))
    return {"chunks": [v1_chunk_json(chunk, detail.job) for chunk in detail.chunks]}


@history_refresh.post(permission=AUTHENTICATED, schema=EntryActionRequest(), validators=(colander_validator,))
def refresh_history_entry(request):
    detail = request.find_service(IJobDetails).refresh_entry(request.identity.id, _entry_id(request))
    count = len(detail.sentences)
    return {
        "message": f"The entry's sentences were rebuilt from its job: {count} sentence(s).",
        "sentences_count": count,
        "entry": v1_history_detail_json(detail),
    }


@history_retry.post(permission=AUTHENTICATED, schema=EntryActionRequest(), validators=(colander_validator,))
def retry_history_entry(request):
    entry = request.find_service(IJobDetails).retry_entry(request.identity.id, _entry_id(request))
    return {
        "message": "The failed parts of the book are being processed again; the entry is updated when they end.",
        "entry_id": entry.id,
        "settings": entry.settings or {},
    }


@history_duplicate.post(permission=AUTHENTICATED, schema=EntryActionRequest(), validators=(colander_validator,))
def duplicate_history_entry(request):
    entry = request.find_service(IHistoryService).get(request.identity.id, _entry_id(request))
    return {
        "message": "Upload a PDF to process it with the same settings.",
        "settings": entry.settings or {},
        "original_filename": entry.original_filename,
    }


@history_export.post(
    permission=AUTHENTICATED,
    schema=HistoryExportRequest(),
    validators=(colander_validator,),
    rate_limit="export",
)
def export_history_entry(request):
    user, entry_id = request.identity.user, _entry_id(request)
    entry = request.find_service(IHistoryService).get(user.id, entry_id)
    pairs, source = request.find_service(IJobDetails).entry_sentences(user.id, entry_id)
    if not pairs:
        raise Conflict("This entry has no sentences to export.")
    # The same export as POST /export-to-sheet, of the entry's sentences.
    body = {**request.validated["body"], "sentences": [pair["normalized"] for pair in pairs]}
    url = request.find_service(IExportService).export_sentences_to_sheet(user, body)
    request.find_service(IHistoryService).record_entry_export(entry, url, new_spreadsheet=body.get("mode", NEW) == NEW)
    return {"spreadsheet_url": url, "sentences_source": source, "sentences_count": len(pairs)}


def _entry_id(request):
    return request.validated["path"]["id"]
