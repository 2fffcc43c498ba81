"""Prices: which model a preference means, what a model's tokens cost, and a token count from text.

The price table is a setting (``credits.prices``: credits per 1,000 tokens of
each model) under a version (``credits.pricing_version``) that every ledger entry
records, so a change of prices comes with a new version. The estimate's token
count is a heuristic calibrated by three settings; ``estimation_method`` says so.
"""

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from zope.interface import implementer

from novel_pyramid.config import ConfigurationError
from novel_pyramid.credits.interfaces import IPriceTable, ITokenCounter

PREFERENCES = ("balanced", "quality", "speed")
PER_TOKENS = 1000


@implementer(IPriceTable)
@dataclass(frozen=True)
class PriceTable:
    """``rates``: model -> credits per 1,000 tokens; ``models``: preference -> model."""

    version: str
    rates: dict
    models: dict

    @classmethod
    def from_settings(cls, settings):
        rates = parse_rates(settings["credits.prices"])
        models = {
            "balanced": settings["credits.model.balanced"],
            "quality": settings["credits.model.quality"],
            "speed": settings["credits.model.speed"],
        }
        unpriced = sorted({model for model in models.values() if model not in rates})
        if unpriced:
            raise ConfigurationError(
                "Setting credits.prices (CREDITS_PRICES) must price every model of credits.model.*; "
                f"missing: {', '.join(unpriced)}."
            )
        return cls(settings["credits.pricing_version"], rates, models)

    def model_for(self, preference):
        return self.models[preference]

    def rate_of(self, model):
        """Credits per 1,000 tokens of ``model``; ``KeyError`` for a model the table does not price."""
        return self.rates[model]

    @staticmethod
    def credits_for(tokens, rate):
        """What ``tokens`` cost at ``rate``, rounded up to a whole credit."""
        return math.ceil(Decimal(tokens) * rate / PER_TOKENS)


def parse_rates(entries):
    """``["gemini-2.5-flash=3", ...]`` (the setting's list) -> ``{model: Decimal}``."""
    rates = {}
    for entry in entries:
        model, sep, rate = entry.partition("=")
        try:
            value = Decimal(rate.strip())
        except InvalidOperation:
            value = None
        if not sep or not model.strip() or value is None or not value.is_finite() or value < 0:
            raise ConfigurationError(
                "Setting credits.prices (CREDITS_PRICES) must be a list of model=credits per 1,000 tokens "
                f"like gemini-2.5-flash=3 (got {entry!r})."
            )
        rates[model.strip()] = value
    return rates


class TokenCount(NamedTuple):
    """Tokens an estimate counted, and how: 'heuristic' or 'api' (``estimation_method``)."""

    tokens: int
    method: str


@implementer(ITokenCounter)
@dataclass(frozen=True)
class HeuristicTokenCounter:
    """Tokens a job will use, from the length of its text, without asking the model.

    The model reads the text (about ``chars_per_token`` characters a token) and
    writes it again as shorter sentences (``output_ratio`` output tokens per input
    token); ``safety_margin`` covers the prompt around each chunk and French
    text's denser tokens, so that most jobs settle at or under their estimate.
    """

    chars_per_token: float
    output_ratio: float
    safety_margin: float
    method = "heuristic"

    @classmethod
    def from_settings(cls, settings):
        return cls(
            settings["credits.estimate.chars_per_token"],
            settings["credits.estimate.output_ratio"],
            settings["credits.estimate.safety_margin"],
        )

    def count(self, text, model):
        if not text:
            return 0
        tokens = len(text) / self.chars_per_token * (1 + self.output_ratio) * self.safety_margin
        # Rounded first, so that float noise (220.00000000000003) does not cost a token.
        return math.ceil(round(tokens, 6))

    def measure(self, text, model):
        return TokenCount(self.count(text, model), self.method)


def rate_json(rate):
    """A rate for JSON: an integer when it is whole, else a float."""
    return int(rate) if rate == rate.to_integral_value() else float(rate)
