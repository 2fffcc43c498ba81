"""v1 user settings."""

from cornice.validators import colander_validator

from novel_pyramid.accounts.interfaces import IAccountService
from novel_pyramid.accounts.serializers import settings_json
from novel_pyramid.api import api_service
from novel_pyramid.api.v1 import schemas
from novel_pyramid.api.validators import querystring_validator
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.schema.types import NoInputRequest

user_settings = api_service("v1.settings", "/settings")


@user_settings.get(
    permission=AUTHENTICATED,
    schema=NoInputRequest(),
    validators=(querystring_validator,),
)
def read_settings(request):
    return settings_json(request.find_service(IAccountService).settings_of(request.identity))


@user_settings.post(permission=AUTHENTICATED, schema=schemas.SettingsRequest(), validators=(colander_validator,))
@user_settings.put(permission=AUTHENTICATED, schema=schemas.SettingsRequest(), validators=(colander_validator,))
def save_settings(request):
    saved = request.find_service(IAccountService).update_settings(request.identity, request.validated["body"])
    fields = settings_json(saved)
    return {**fields, "message": "Settings saved successfully", "settings": fields}
