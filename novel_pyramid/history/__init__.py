"""History of processed uploads: ``IHistoryService``, the one writer of the ``history`` table."""

from novel_pyramid.history.interfaces import IHistoryService
from novel_pyramid.history.models import HistoryEntry
from novel_pyramid.history.serializers import HistoryPage, page_response
from novel_pyramid.history.services import HistoryService, stale_keys_of_entry


def includeme(config):
    # Included after novel_pyramid.cache, whose directive takes the invalidation rule.
    config.include("pyramid_services")
    config.register_service_factory(HistoryService.create_service, IHistoryService)
    config.add_cache_invalidation(HistoryEntry, stale_keys_of_entry)
    config.add_response_adapter(page_response, HistoryPage)
