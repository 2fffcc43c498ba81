"""v1 user settings."""

from cornice.validators import colander_validator

from novel_pyramid.accounts.interfaces import IAccountService
from novel_pyramid.accounts.serializers import settings_json
from novel_pyramid.api import api_service
from novel_pyramid.api.v1 import schemas
from novel_pyramid.api.validators import querystring_validator
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.errors.exceptions import NotFound
from novel_pyramid.schema.types import NoInputRequest
from novel_pyramid.wordlists.interfaces import IWordListService

user_settings = api_service("v1.settings", "/settings")


@user_settings.get(
    permission=AUTHENTICATED,
    schema=NoInputRequest(),
    validators=(querystring_validator,),
)
def read_settings(request):
    return settings_json(request.find_service(IAccountService).settings_of(request.identity))


def visible_wordlist_validator(request, **kwargs):
    """A new default word list must be one the user can read (else 404), or the coverage tool would start from nothing.

    The id the settings already hold is accepted as it is: the frontend sends
    back what GET returned, and that must never stop the other settings saving.
    """
    chosen = (request.validated.get("body") or {}).get("default_wordlist_id")
    if chosen is None or request.errors:
        return
    if chosen == request.find_service(IAccountService).settings_of(request.identity).default_wordlist_id:
        return
    try:
        request.find_service(IWordListService).get_visible(request.identity.id, chosen)
    except NotFound as exc:
        # 404, as the coverage tool answers for a list named in its body that it cannot find.
        message = f"{exc.message} Name one of GET /api/v1/wordlists."
        raise NotFound(message, details={"default_wordlist_id": [message]}) from exc


SAVE = {
    "permission": AUTHENTICATED,
    "schema": schemas.SettingsRequest(),
    "validators": (colander_validator, visible_wordlist_validator),
}


@user_settings.post(**SAVE)
@user_settings.put(**SAVE)
def save_settings(request):
    saved = request.find_service(IAccountService).update_settings(request.identity, request.validated["body"])
    fields = settings_json(saved)
    return {**fields, "message": "Settings saved successfully", "settings": fields}
