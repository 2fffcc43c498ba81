"""v2 word lists as resources (docs/api.md, "Word lists"; docs/coverage.md).

``GET    /wordlists``                ``?scope=all|own|global``: ``{"items": [list]}``, the global default first
``POST   /wordlists``                JSON words, a multipart ``file``, or a ``sheet_url``: 201, the list with its
                                     ``ingestion_report``, ``Location``
``GET    /wordlists/default``        the global default list (French 2K)
``GET    /wordlists/{id}``           one list, with the duplicates and junk entries its ingestion named
``PATCH  /wordlists/{id}``           ``{name}``
``DELETE /wordlists/{id}``           204
``POST   /wordlists/{id}/refresh``   read the list's Google Sheet again: the list with its ``ingestion_report``
``GET    /wordlists/{id}/keys``      ``?cursor=&limit=``: ``{"items": [key], "next_cursor"}``, in the list's order

Another user's list is 404 everywhere; a global list cannot be changed (403).
"""

import colander
from cornice.validators import colander_validator

from novel_pyramid.api import api_service
from novel_pyramid.api.openapi.responses import ERROR, Response, text_field
from novel_pyramid.api.v1.wordlists import (
    CHANGE_REFUSED,
    NO_DEFAULT_MESSAGE,
    SHEET_REFUSED,
    IngestionReportBody,
    WordListBody,
    WordListDetailBody,
    _error_handler,
    create_from_body,
)
from novel_pyramid.api.validators import querystring_validator
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.errors import NotFound
from novel_pyramid.ratelimit.rates import SHEETS_IMPORT_BUCKET
from novel_pyramid.schema.types import EmptyQuery, QueryInt, StrictMapping, StrictString, string_node
from novel_pyramid.wordlists import schemas
from novel_pyramid.wordlists.interfaces import IWordListService
from novel_pyramid.wordlists.models import SourceType
from novel_pyramid.wordlists.serializers import report_json, wordlist_detail_json, wordlist_json

KEYS_DEFAULT_LIMIT = 500
KEYS_MAX_LIMIT = 5000
SCOPES = ("all", "own", "global")

wordlists = api_service("v2.wordlists", "/wordlists", error_handler=_error_handler)
default_wordlist = api_service("v2.wordlists_default", "/wordlists/default")
wordlist = api_service("v2.wordlist", "/wordlists/{id}")
wordlist_refresh = api_service("v2.wordlist_refresh", "/wordlists/{id}/refresh")
wordlist_keys = api_service("v2.wordlist_keys", "/wordlists/{id}/keys")

# The fixed paths first: Pyramid matches routes in the order they are added, so
# "/wordlists/global" (v2: "/wordlists/default") is never read as a list id.
SERVICES = (wordlists, default_wordlist, wordlist, wordlist_refresh, wordlist_keys)


# -- requests ----------------------------------------------------------------------------


class ListQuery(StrictMapping):
    scope = string_node(
        validator=colander.OneOf(SCOPES),
        missing="all",
        description="all: yours and the global lists; own: yours; global: the global lists.",
    )


class ListRequest(colander.MappingSchema):
    querystring = ListQuery(missing={})


class KeysQuery(StrictMapping):
    limit = colander.SchemaNode(QueryInt(), validator=colander.Range(1, KEYS_MAX_LIMIT), missing=KEYS_DEFAULT_LIMIT)
    cursor = colander.SchemaNode(
        QueryInt(),
        validator=colander.Range(1, schemas.MAX_ID),
        missing=colander.drop,
        description="The next_cursor of the previous page.",
    )


class KeysRequest(colander.MappingSchema):
    path = schemas.WordListPath()
    querystring = KeysQuery(missing={})


class DefaultRequest(colander.MappingSchema):
    querystring = EmptyQuery(missing={})


# -- views -------------------------------------------------------------------------------


@wordlists.get(permission=AUTHENTICATED, schema=ListRequest(), validators=(querystring_validator,))
def list_wordlists(request):
    service = request.find_service(IWordListService)
    scope = request.validated["querystring"]["scope"]
    found = service.global_lists() if scope == "global" else service.visible_to(request.identity.id)
    if scope == "own":
        found = [item for item in found if not item.is_global]
    return {"items": [_list_json(request, item) for item in found]}


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
    request.response.headers["Location"] = request.route_url(wordlist.name, id=made.id)
    return {**_list_json(request, made), "ingestion_report": report_json(report)}


@default_wordlist.get(permission=AUTHENTICATED, schema=DefaultRequest(), validators=(querystring_validator,))
def read_default(request):
    default = request.find_service(IWordListService).default_list()
    if default is None:
        raise NotFound(NO_DEFAULT_MESSAGE)
    return _list_json(request, default, detail=True)


@wordlist.get(permission=AUTHENTICATED, schema=schemas.WordListRequest(), validators=(colander_validator,))
def read_wordlist(request):
    found = request.find_service(IWordListService).get_visible(request.identity.id, request.validated["path"]["id"])
    return _list_json(request, found, detail=True)


@wordlist.patch(permission=AUTHENTICATED, schema=schemas.RenameRequest(), validators=(colander_validator,))
def rename_wordlist(request):
    service = request.find_service(IWordListService)
    renamed = service.rename(request.identity.id, request.validated["path"]["id"], request.validated["body"]["name"])
    return _list_json(request, renamed, detail=True)


@wordlist.delete(permission=AUTHENTICATED, schema=schemas.WordListRequest(), validators=(colander_validator,))
def delete_wordlist(request):
    request.find_service(IWordListService).delete(request.identity.id, request.validated["path"]["id"])
    response = request.response
    response.status_code = 204
    del response.content_type  # no body, so no media type
    return response


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
    return {**_list_json(request, refreshed), "ingestion_report": report_json(report["ingestion_report"])}


@wordlist_keys.get(permission=AUTHENTICATED, schema=KeysRequest(), validators=(colander_validator,))
def list_keys(request):
    service = request.find_service(IWordListService)
    found = service.get_visible(request.identity.id, request.validated["path"]["id"])
    query = request.validated["querystring"]
    start = query.get("cursor", 0)
    keys = service.keys_of(found)
    end = start + query["limit"]
    return {"items": keys[start:end], "next_cursor": str(end) if end < len(keys) else None}


def _list_json(request, item, detail=False):
    body = wordlist_detail_json(item) if detail else wordlist_json(item)
    links = {
        "self": request.route_url(wordlist.name, id=item.id),
        "keys": request.route_url(wordlist_keys.name, id=item.id),
    }
    if item.source_type == SourceType.GOOGLE_SHEET and not item.is_global:
        links["refresh"] = request.route_url(wordlist_refresh.name, id=item.id)
    return {**body, "links": links}


# -- answers (the OpenAPI document) ---------------------------------------------------------


class WordListLinks(StrictMapping):
    self = text_field(validator=colander.url)
    keys = text_field(validator=colander.url, description="The list's keys, paged")
    refresh = text_field(validator=colander.url, missing=colander.drop, description="A list read from a sheet")


class WordListResource(WordListBody):
    links = WordListLinks()


class WordListDetailResource(WordListDetailBody):
    links = WordListLinks()


class CreatedWordList(WordListResource):
    ingestion_report = IngestionReportBody()


class WordListItems(colander.SequenceSchema):
    item = WordListResource()


class WordListPage(StrictMapping):
    """The global default first, then the other global lists, then yours, newest first."""

    items = WordListItems()


class Keys(colander.SequenceSchema):
    key = text_field()


class KeysPage(StrictMapping):
    """In the list's order; pass next_cursor back as ?cursor= for the next page."""

    items = Keys()
    next_cursor = colander.SchemaNode(StrictString(), nullable=True)


RESPONSES = {
    ("v2.wordlists", "GET"): {200: WordListPage()},
    ("v2.wordlists", "POST"): {
        201: Response(CreatedWordList(), "The new list, and what its ingestion found", headers={"Location": "Its URL"}),
        403: SHEET_REFUSED,
        413: Response(ERROR.schema, "The file or the body is larger than its limit"),
        415: Response(ERROR.schema, "Neither JSON nor multipart/form-data"),
        502: Response(ERROR.schema, "Google Sheets failed after retries"),
    },
    ("v2.wordlists_default", "GET"): {
        200: WordListDetailResource(),
        404: Response(ERROR.schema, "No default list is installed"),
    },
    ("v2.wordlist", "GET"): {200: WordListDetailResource()},
    ("v2.wordlist", "PATCH"): {200: WordListDetailResource(), 403: CHANGE_REFUSED},
    ("v2.wordlist", "DELETE"): {204: Response(None, "Deleted"), 403: CHANGE_REFUSED},
    ("v2.wordlist_refresh", "POST"): {
        200: CreatedWordList(),
        403: Response(ERROR.schema, "A global list, or no Google grant (sign in with Google again)"),
        409: Response(ERROR.schema, "The list was not made from a Google Sheet: nothing to read again"),
        502: Response(ERROR.schema, "Google Sheets failed after retries"),
    },
    ("v2.wordlist_keys", "GET"): {200: KeysPage()},
}
