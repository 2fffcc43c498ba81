"""v1 word lists: the user's own and the global ones (docs/api.md, "Word lists"; docs/coverage.md).

``GET    /wordlists``                  ``{wordlists}``: the global default first, the other global lists, then yours
``POST   /wordlists``                  JSON ``{name, words[]}``, multipart ``file`` + ``name``, or ``{name,
                                       source_type: "google_sheet", sheet_url}``: ``{wordlist, ingestion_report}``
``GET    /wordlists/{id}``             one list (yours or a global one)
``PATCH  /wordlists/{id}``             ``{name}``: rename your list
``DELETE /wordlists/{id}``             delete your list
``POST   /wordlists/{id}/refresh``     read your list's Google Sheet again: ``{wordlist, refresh_report}``
``GET    /wordlists/global``           ``{wordlists, total}``: the global lists
``GET    /wordlists/global/default``   the global default list (French 2K)
``GET    /wordlists/global/stats``     how many global lists, and which is the default

Another user's list is 404 everywhere; a global list cannot be changed (403).
"""

import colander
from cornice.validators import colander_validator
from pyramid.httpexceptions import HTTPUnsupportedMediaType

from novel_pyramid.api import api_service
from novel_pyramid.api.openapi.responses import (
    ERROR,
    Response,
    integer_field,
    nullable_integer_field,
    nullable_text_field,
    text_field,
    timestamp_field,
)
from novel_pyramid.api.v1.responses import MessageBody
from novel_pyramid.api.validators import querystring_validator
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.errors import NotFound
from novel_pyramid.errors.rendering import cornice_error_handler
from novel_pyramid.ratelimit.rates import SHEETS_IMPORT_BUCKET
from novel_pyramid.schema.types import NoInputRequest, StrictMapping
from novel_pyramid.wordlists import schemas
from novel_pyramid.wordlists.interfaces import IWordListService
from novel_pyramid.wordlists.models import SOURCE_TYPES, SourceType
from novel_pyramid.wordlists.serializers import report_json, wordlist_detail_json, wordlist_json

NO_DEFAULT_MESSAGE = "No global default word list is installed (novel-pyramid wordlists install-default)."


def _error_handler(request):
    """Our one JSON error, also when Cornice finds the Content-Type unsupported."""
    if getattr(request.errors, "status", None) == HTTPUnsupportedMediaType.code:
        return HTTPUnsupportedMediaType("Content-Type: send JSON, or multipart/form-data with a file.")
    return cornice_error_handler(request)


wordlists = api_service("v1.wordlists", "/wordlists", error_handler=_error_handler)
wordlist = api_service("v1.wordlists.item", "/wordlists/{id}")
wordlist_refresh = api_service("v1.wordlists.refresh", "/wordlists/{id}/refresh")
global_wordlists = api_service("v1.wordlists.global", "/wordlists/global")
global_default = api_service("v1.wordlists.global.default", "/wordlists/global/default")
global_stats = api_service("v1.wordlists.global.stats", "/wordlists/global/stats")

# The fixed paths first: Pyramid matches routes in the order they are added, so
# "/wordlists/global" (v2: "/wordlists/default") is never read as a list id.
SERVICES = (wordlists, global_wordlists, global_default, global_stats, wordlist, wordlist_refresh)


@wordlists.get(permission=AUTHENTICATED, schema=NoInputRequest(), validators=(querystring_validator,))
def list_wordlists(request):
    found = request.find_service(IWordListService).visible_to(request.identity.id)
    return {"wordlists": [wordlist_json(item) for item in found]}


@wordlists.post(
    permission=AUTHENTICATED,
    schema=schemas.CreateWordListRequest(),
    validators=(colander_validator,),
    max_body_bytes=schemas.MAX_BODY_BYTES,
    content_type=("application/json", "multipart/form-data"),
)
def create_wordlist(request):
    made, report = create_from_body(request, request.validated["body"])
    request.response.status_code = 201
    return {"wordlist": wordlist_json(made), "ingestion_report": report_json(report)}


def create_from_body(request, body):
    """``(wordlist, report)`` from a validated ``CreateWordListBody`` (v1 and v2 alike)."""
    service = request.find_service(IWordListService)
    user = request.identity.user
    fold = body.get("fold_diacritics")
    if "file" in body:
        return service.create_from_upload(user.id, body["name"], body["file"], fold_diacritics=fold)
    if "words" in body:
        source_type = body.get("source_type", SourceType.MANUAL)
        source_ref = body.get("sheet_url") or body.get("source_ref")
        return service.create(
            user.id, body["name"], body["words"], source_type=source_type, source_ref=source_ref, fold_diacritics=fold
        )
    field = "sheet_url" if "sheet_url" in body else "source_ref"
    return service.create_from_sheet(
        user,
        body["name"],
        body[field],
        fold_diacritics=fold,
        include_header=body.get("include_header", True),
        field=field,
    )


@wordlist.get(permission=AUTHENTICATED, schema=schemas.WordListRequest(), validators=(colander_validator,))
def read_wordlist(request):
    found = request.find_service(IWordListService).get_visible(request.identity.id, request.validated["path"]["id"])
    return wordlist_detail_json(found)


@wordlist.patch(permission=AUTHENTICATED, schema=schemas.RenameRequest(), validators=(colander_validator,))
def rename_wordlist(request):
    service = request.find_service(IWordListService)
    renamed = service.rename(request.identity.id, request.validated["path"]["id"], request.validated["body"]["name"])
    return wordlist_detail_json(renamed)


@wordlist.delete(permission=AUTHENTICATED, schema=schemas.WordListRequest(), validators=(colander_validator,))
def delete_wordlist(request):
    request.find_service(IWordListService).delete(request.identity.id, request.validated["path"]["id"])
    return {"message": "Word list deleted"}


@wordlist_refresh.post(
    permission=AUTHENTICATED,
    schema=schemas.RefreshRequest(),
    validators=(colander_validator,),
    rate_limit=SHEETS_IMPORT_BUCKET,  # each refresh reads the user's sheet: Google's quota is theirs
)
def refresh_wordlist(request):
    refreshed, report = request.find_service(IWordListService).refresh(
        request.identity.user,
        request.validated["path"]["id"],
        include_header=request.validated["body"].get("include_header", True),
    )
    return {
        "wordlist": wordlist_json(refreshed),
        "refresh_report": {**report, "ingestion_report": report_json(report["ingestion_report"])},
    }


@global_wordlists.get(permission=AUTHENTICATED, schema=NoInputRequest(), validators=(querystring_validator,))
def list_global_wordlists(request):
    found = request.find_service(IWordListService).global_lists()
    return {"wordlists": [wordlist_json(item) for item in found], "total": len(found)}


@global_default.get(permission=AUTHENTICATED, schema=NoInputRequest(), validators=(querystring_validator,))
def read_global_default(request):
    default = request.find_service(IWordListService).default_list()
    if default is None:
        raise NotFound(NO_DEFAULT_MESSAGE)
    return wordlist_detail_json(default)


@global_stats.get(permission=AUTHENTICATED, schema=NoInputRequest(), validators=(querystring_validator,))
def read_global_stats(request):
    return request.find_service(IWordListService).global_stats()


# -- what they answer (the OpenAPI document) ---------------------------------------------------


class Samples(colander.SequenceSchema):
    sample = text_field()


class WordListBody(StrictMapping):
    """The frontend's WordList, with the counts of its ingestion."""

    id = integer_field()
    owner_user_id = nullable_integer_field(description="null: a global list, read by everyone")
    name = text_field()
    source_type = text_field(validator=colander.OneOf(SOURCE_TYPES))
    source_ref = nullable_text_field(description="The file's name, or the Google spreadsheet's id")
    normalized_count = integer_field(description="Distinct keys")
    canonical_samples = Samples(description="The first keys, in the list's order")
    is_global_default = colander.SchemaNode(colander.Boolean())
    fold_diacritics = colander.SchemaNode(colander.Boolean(), description="Whether its keys have diacritics folded")
    version = nullable_integer_field(description="A global list's version")
    original_count = integer_field(description="Entries read (variants counted apart)")
    duplicate_count = integer_field(description="Entries whose key an earlier entry gave")
    junk_count = integer_field(description="Entries that are no word")
    created_at = timestamp_field()
    updated_at = timestamp_field()


class Duplicate(StrictMapping):
    word = text_field()
    normalized = text_field()
    line = nullable_integer_field(missing=colander.drop)


class Duplicates(colander.SequenceSchema):
    duplicate = Duplicate()


class Anomaly(StrictMapping):
    word = text_field()
    issue = text_field(validator=colander.OneOf(["not_a_word", "too_long"]))
    line = nullable_integer_field(missing=colander.drop)


class Anomalies(colander.SequenceSchema):
    anomaly = Anomaly()


class WordListDetailBody(WordListBody):
    """One list: also the duplicates and junk entries its ingestion named (the first 200 of each)."""

    duplicates = Duplicates()
    anomalies = Anomalies()


class MultiToken(StrictMapping):
    original = text_field()
    head_token = text_field(description="The entry's key")


class MultiTokens(colander.SequenceSchema):
    entry = MultiToken()


class IngestionReportBody(StrictMapping):
    """Counts are complete; the lists name the first 200 of each kind."""

    original_count = integer_field()
    normalized_count = integer_field()
    duplicate_count = integer_field()
    junk_count = integer_field()
    blank_lines = integer_field(description="Empty lines and cells, skipped")
    variants_expanded = integer_field(description="Entries added by splitting variants (un|une)")
    duplicates = Duplicates()
    anomalies = Anomalies(description="The junk entries")
    multi_token_entries = MultiTokens()


class CreatedBody(StrictMapping):
    wordlist = WordListBody()
    ingestion_report = IngestionReportBody()


class RefreshReport(StrictMapping):
    status = text_field(validator=colander.OneOf(["refreshed"]))
    word_count = integer_field()
    source = text_field(validator=colander.OneOf([SourceType.GOOGLE_SHEET.value]))
    ingestion_report = IngestionReportBody()


class RefreshedBody(StrictMapping):
    wordlist = WordListBody()
    refresh_report = RefreshReport()


class WordLists(colander.SequenceSchema):
    wordlist = WordListBody()


class WordListsBody(StrictMapping):
    wordlists = WordLists()


class GlobalWordListsBody(WordListsBody):
    total = integer_field()


class DefaultSummary(StrictMapping):
    id = integer_field()
    name = text_field()
    normalized_count = integer_field()
    version = nullable_integer_field()


class GlobalSummary(DefaultSummary):
    is_default = colander.SchemaNode(colander.Boolean())


class GlobalSummaries(colander.SequenceSchema):
    summary = GlobalSummary()


class GlobalStatsBody(StrictMapping):
    total_global_wordlists = integer_field()
    has_default = colander.SchemaNode(colander.Boolean())
    default_wordlist = DefaultSummary(nullable=True)
    all_global_wordlists = GlobalSummaries()


CHANGE_REFUSED = Response(ERROR.schema, "A global list: read-only")
SHEET_REFUSED = Response(ERROR.schema, "No Google grant, or Google refused it: sign in with Google again")

RESPONSES = {
    ("v1.wordlists", "GET"): {200: WordListsBody()},
    ("v1.wordlists", "POST"): {
        201: Response(CreatedBody(), "The new list, and what its ingestion found"),
        403: SHEET_REFUSED,
        413: Response(ERROR.schema, "The file or the body is larger than its limit"),
        415: Response(ERROR.schema, "Neither JSON nor multipart/form-data"),
        502: Response(ERROR.schema, "Google Sheets failed after retries"),
    },
    ("v1.wordlists.item", "GET"): {200: WordListDetailBody()},
    ("v1.wordlists.item", "PATCH"): {200: WordListDetailBody(), 403: CHANGE_REFUSED},
    ("v1.wordlists.item", "DELETE"): {200: MessageBody(), 403: CHANGE_REFUSED},
    ("v1.wordlists.refresh", "POST"): {
        200: RefreshedBody(),
        403: Response(ERROR.schema, "A global list, or no Google grant (sign in with Google again)"),
        409: Response(ERROR.schema, "The list was not made from a Google Sheet: nothing to read again"),
        502: Response(ERROR.schema, "Google Sheets failed after retries"),
    },
    ("v1.wordlists.global", "GET"): {200: GlobalWordListsBody()},
    ("v1.wordlists.global.default", "GET"): {
        200: WordListDetailBody(),
        404: Response(ERROR.schema, "No default list is installed"),
    },
    ("v1.wordlists.global.stats", "GET"): {200: GlobalStatsBody()},
}
