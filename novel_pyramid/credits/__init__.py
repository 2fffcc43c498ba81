"""Credits: a monthly grant, an append-only ledger of what jobs reserve and cost, and the price table.

``ICreditService`` is the one writer of ``credit_entries`` and ``credit_balances``;
``IPriceTable`` and ``ITokenCounter`` are process-wide, built once from the settings.
"""

from novel_pyramid.credits.interfaces import ICreditService, IPriceTable, ITokenCounter
from novel_pyramid.credits.pricing import HeuristicTokenCounter, PriceTable
from novel_pyramid.credits.services import CreditService


def includeme(config):
    settings = config.get_settings()
    # Built here so that a bad price table stops the start, not the first estimate.
    config.register_service(PriceTable.from_settings(settings), IPriceTable)
    config.register_service(HeuristicTokenCounter.from_settings(settings), ITokenCounter)
    config.register_service_factory(CreditService.create_service, ICreditService)
