"""The price table and the heuristic token count, from the declared settings."""

from decimal import Decimal

import pytest

from novel_pyramid.config import ConfigurationError
from novel_pyramid.credits.pricing import HeuristicTokenCounter, PriceTable, parse_rates, rate_json
from tests.unit.credits.conftest import default_settings


def test_the_default_table_prices_every_preference():
    prices = PriceTable.from_settings(default_settings())

    assert prices.version == "v1"
    assert {preference: prices.model_for(preference) for preference in ("balanced", "quality", "speed")} == {
        "balanced": "gemini-2.5-flash",
        "quality": "gemini-2.5-pro",
        "speed": "gemini-2.5-flash-lite",
    }
    assert prices.rate_of("gemini-2.5-pro") == 5


@pytest.mark.parametrize(
    ("tokens", "rate", "credits"),
    [(0, Decimal(3), 0), (1, Decimal(3), 1), (1000, Decimal(3), 3), (1001, Decimal(3), 4), (999, Decimal("0.5"), 1)],
)
def test_credits_are_rounded_up_to_a_whole_credit(tokens, rate, credits):
    assert PriceTable.credits_for(tokens, rate) == credits


def test_rates_may_be_decimal():
    assert parse_rates(["a=0.25", " b = 4 "]) == {"a": Decimal("0.25"), "b": Decimal(4)}
    assert rate_json(Decimal("0.25")) == 0.25 and rate_json(Decimal(4)) == 4


@pytest.mark.parametrize("entry", ["gemini", "=3", "gemini=", "gemini=three", "gemini=-1", "gemini=NaN"])
def test_a_bad_rate_stops_the_start(entry):
    with pytest.raises(ConfigurationError, match="credits.prices"):
        parse_rates([entry])


def test_a_preferred_model_without_a_price_stops_the_start():
    settings = default_settings(**{"credits.model.quality": "gemini-3-ultra"})

    with pytest.raises(ConfigurationError, match="missing: gemini-3-ultra"):
        PriceTable.from_settings(settings)


def test_the_heuristic_counts_reading_and_writing_with_a_margin():
    counter = HeuristicTokenCounter(chars_per_token=4.0, output_ratio=1.0, safety_margin=1.1)

    assert counter.method == "heuristic"
    assert counter.count("", "gemini-2.5-flash") == 0
    # 400 characters: 100 tokens read, 100 written, 10 % margin.
    assert counter.count("x" * 400, "gemini-2.5-flash") == 220
