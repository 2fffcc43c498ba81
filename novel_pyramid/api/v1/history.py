"""v1 history: the user's processed uploads, newest first."""

from cornice.validators import colander_validator

from novel_pyramid.api import api_service, json_text_response
from novel_pyramid.api.v1 import schemas
from novel_pyramid.api.validators import querystring_validator
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.cache import history_key
from novel_pyramid.history.services import HistoryService

history = api_service("v1.history", "/history")
history_entry = api_service("v1.history.entry", "/history/{id}")


@history.get(
    permission=AUTHENTICATED,
    schema=schemas.HistoryListRequest(),
    validators=(querystring_validator,),
    cache_prefetch=(history_key,),
)
def list_history(request):
    page = HistoryService.for_request(request).latest_page_text(
        request.identity.id, request.validated["querystring"]["limit"]
    )
    return json_text_response(request, page)


@history_entry.delete(permission=AUTHENTICATED, schema=schemas.HistoryItemRequest(), validators=(colander_validator,))
def delete_history_entry(request):
    HistoryService(request.dbsession).delete(request.identity.id, request.validated["path"]["id"])
    return {"message": "History entry deleted"}
