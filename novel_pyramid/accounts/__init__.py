"""Users and their settings: ``IAccountService``, the one writer of ``users`` and ``user_settings``."""

from novel_pyramid.accounts.interfaces import IAccountService
from novel_pyramid.accounts.models import UserSettings
from novel_pyramid.accounts.services import AccountService, stale_keys_of_settings


def includeme(config):
    # Included after novel_pyramid.cache, whose directive takes the invalidation rule.
    config.include("pyramid_services")
    config.register_service_factory(AccountService.create_service, IAccountService)
    config.add_cache_invalidation(UserSettings, stale_keys_of_settings)
