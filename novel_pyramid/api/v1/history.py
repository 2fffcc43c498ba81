"""v1 history: the user's processed uploads, newest first."""

from cornice.validators import colander_validator

from novel_pyramid.api import api_service
from novel_pyramid.api.v1 import schemas
from novel_pyramid.api.validators import querystring_validator
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.history.interfaces import IHistoryService

history = api_service("v1.history", "/history")
history_entry = api_service("v1.history.entry", "/history/{id}")


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
    request.find_service(IHistoryService).delete(request.identity.id, request.validated["path"]["id"])
    return {"message": "History entry deleted"}
