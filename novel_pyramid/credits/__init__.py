"""Credits: a monthly grant, an append-only ledger of what jobs reserve and cost, and the price table.

``ICreditService`` is the one writer of ``credit_entries`` and ``credit_balances``;
``IPriceTable`` and ``ITokenCounter`` are process-wide, built once from the settings; the token
counter asks Gemini (``counting``) when the Gemini normaliser has a key, else uses the heuristic.
"""

from novel_pyramid.credits.counting import GeminiTokenCounter
from novel_pyramid.credits.interfaces import ICreditService, IPriceTable, ITokenCounter
from novel_pyramid.credits.pricing import HeuristicTokenCounter, PriceTable
from novel_pyramid.credits.services import CreditService


def token_counter_for(settings):
    """Gemini's own count when the Gemini normaliser has a key (``estimation_method: api``), else the heuristic."""
    if settings["normalizer"] == "gemini" and settings["gemini.api_key"]:
        return GeminiTokenCounter.from_settings(settings)
    return HeuristicTokenCounter.from_settings(settings)


def includeme(config):
    settings = config.get_settings()
    # Built here so that a bad price table stops the start, not the first estimate.
    config.register_service(PriceTable.from_settings(settings), IPriceTable)
    config.register_service(token_counter_for(settings), ITokenCounter)
    config.register_service_factory(CreditService.create_service, ICreditService)
