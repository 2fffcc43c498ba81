"""v2 history: the user's processed uploads as resources, each with its job's chunks.

``GET /history``                 the user's entries, the newest made first: ``?limit=&cursor=``
``GET /history/{id}``            the entry, with its job's chunks
``GET /history/{id}/sentences``  ``?cursor=&limit=``: ``{"items": [{"index", "normalized", "original"}], ...}``

Another user's entry is 404 everywhere.
"""

import colander
from cornice.validators import colander_validator

from novel_pyramid.api import api_service
from novel_pyramid.api.openapi.responses import (
    integer_field,
    nullable_integer_field,
    nullable_text_field,
    nullable_timestamp_field,
    text_field,
    timestamp_field,
)
from novel_pyramid.api.v1.history import FAILED_STEPS, EntrySettings
from novel_pyramid.api.v1.schemas import HistoryPath
from novel_pyramid.api.v2.schemas import SentencesQuery
from novel_pyramid.api.validators import querystring_validator
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.history.interfaces import IHistoryService
from novel_pyramid.history.serializers import v2_history_json
from novel_pyramid.jobs.detail_interfaces import IJobDetails
from novel_pyramid.jobs.details import LIVE_CHUNKS, SNAPSHOT, v2_chunk_json
from novel_pyramid.jobs.failures import FAILURE_CODES
from novel_pyramid.schema.types import EmptyQuery, QueryInt, StrictMapping, StrictString

HISTORY_DEFAULT_LIMIT = 20
HISTORY_MAX_LIMIT = 100

history = api_service("v2.history", "/history")
history_entry = api_service("v2.history_entry", "/history/{id}")
history_sentences = api_service("v2.history_sentences", "/history/{id}/sentences")

SERVICES = (history, history_entry, history_sentences)


# -- requests ----------------------------------------------------------------------------


class HistoryListQuery(StrictMapping):
    limit = colander.SchemaNode(
        QueryInt(), validator=colander.Range(1, HISTORY_MAX_LIMIT), missing=HISTORY_DEFAULT_LIMIT
    )
    # Any entry id is a valid cursor (the page of older entries), so none is refused as forged.
    cursor = colander.SchemaNode(
        QueryInt(),
        validator=colander.Range(1, 2**31 - 1),
        missing=colander.drop,
        description="The next_cursor of the previous page.",
    )


class HistoryListRequest(colander.MappingSchema):
    querystring = HistoryListQuery(missing={})


class HistoryEntryRequest(colander.MappingSchema):
    path = HistoryPath()
    querystring = EmptyQuery(missing={})


class HistorySentencesRequest(colander.MappingSchema):
    path = HistoryPath()
    querystring = SentencesQuery(missing={})


# -- answers -------------------------------------------------------------------------------------


class HistoryLinks(StrictMapping):
    self = text_field(validator=colander.url)
    sentences = text_field(validator=colander.url)
    job = text_field(validator=colander.url, missing=colander.drop, description="While the job is kept")


class HistoryEntryBody(StrictMapping):
    id = integer_field()
    job_id = nullable_text_field(description="The job that made the entry (null once it is deleted)")
    timestamp = timestamp_field(description="When the job ended")
    original_filename = nullable_text_field()
    sentences_count = nullable_integer_field()
    spreadsheet_url = nullable_text_field()
    error = nullable_text_field(description="Why the job failed or was cancelled, in our words")
    error_code = nullable_text_field(validator=colander.OneOf(FAILURE_CODES))
    failed_step = nullable_text_field(validator=colander.OneOf(FAILED_STEPS), description="Where a failed job stopped")
    settings = EntrySettings(nullable=True)
    links = HistoryLinks()


class HistoryItems(colander.SequenceSchema):
    entry = HistoryEntryBody()


class HistoryPage(StrictMapping):
    """The newest made first (a retried job's entry keeps its place); pass next_cursor back as ?cursor=."""

    items = HistoryItems()
    next_cursor = colander.SchemaNode(StrictString(), nullable=True)


CHUNK_STATUSES = ["pending", "processing", "done", "failed", "cancelled"]


class ChunkBody(StrictMapping):
    id = integer_field()
    position = integer_field(description="The chunk's place in the book, from 0")
    status = text_field(validator=colander.OneOf(CHUNK_STATUSES))
    first_page = nullable_integer_field(description="Counted from 1")
    last_page = nullable_integer_field(description="Counted from 1, inclusive")
    sentences_count = nullable_integer_field(description="Once rewritten")
    attempts = integer_field()
    max_attempts = integer_field()
    error = nullable_text_field()
    error_code = nullable_text_field(validator=colander.OneOf(FAILURE_CODES))
    settled_at = nullable_timestamp_field()
    updated_at = timestamp_field()


class Chunks(colander.SequenceSchema):
    chunk = ChunkBody()


SOURCE = text_field(
    validator=colander.OneOf([SNAPSHOT, LIVE_CHUNKS]),
    description="snapshot: kept with the entry when the job ended; live_chunks: read from the job's chunks",
)


class HistoryDetailBody(HistoryEntryBody):
    sentences_source = SOURCE.clone()
    chunks = Chunks()


class SentencePair(StrictMapping):
    index = integer_field()
    normalized = text_field()
    original = colander.SchemaNode(
        StrictString(allow_empty=True), description='The sentence it was rewritten from ("" when not known)'
    )


class SentencePairs(colander.SequenceSchema):
    pair = SentencePair()


class SentencePage(StrictMapping):
    items = SentencePairs()
    next_cursor = colander.SchemaNode(StrictString(), nullable=True)
    sentences_source = SOURCE.clone()


RESPONSES = {
    ("v2.history", "GET"): {200: HistoryPage()},
    ("v2.history_entry", "GET"): {200: HistoryDetailBody()},
    ("v2.history_sentences", "GET"): {200: SentencePage()},
}

# -- views -------------------------------------------------------------------------------------


@history.get(permission=AUTHENTICATED, schema=HistoryListRequest(), validators=(querystring_validator,))
def list_history(request):
    query = request.validated["querystring"]
    page, more = request.find_service(IHistoryService).page(
        request.identity.id, limit=query["limit"], before_id=query.get("cursor")
    )
    return {
        "items": [_entry_json(request, entry) for entry in page],
        "next_cursor": str(page[-1].id) if more else None,
    }


@history_entry.get(permission=AUTHENTICATED, schema=HistoryEntryRequest(), validators=(colander_validator,))
def read_history_entry(request):
    detail = request.find_service(IJobDetails).entry_detail(request.identity.id, request.validated["path"]["id"])
    return {
        **_entry_json(request, detail.entry, has_job=detail.job is not None),
        "sentences_source": detail.sentences_source,
        "chunks": [v2_chunk_json(chunk) for chunk in detail.chunks],
    }


@history_sentences.get(permission=AUTHENTICATED, schema=HistorySentencesRequest(), validators=(colander_validator,))
def list_history_sentences(request):
    query = request.validated["querystring"]
    pairs, source = request.find_service(IJobDetails).entry_sentences(
        request.identity.id, request.validated["path"]["id"]
    )
    start, end = query["cursor"], query["cursor"] + query["limit"]
    return {
        "items": [{"index": index, **pair} for index, pair in enumerate(pairs[start:end], start)],
        "next_cursor": str(end) if end < len(pairs) else None,
        "sentences_source": source,
    }


def _entry_json(request, entry, has_job=None):
    links = {
        "self": request.route_url(history_entry.name, id=entry.id),
        "sentences": request.route_url(history_sentences.name, id=entry.id),
    }
    if entry.job_id is not None and has_job is not False:
        links["job"] = request.route_url("v2.job", id=entry.job_id)
    return v2_history_json(entry, links)
