"""Estimates the server gives, for tests that confirm a job: a confirmation must match one.

``estimate_of(app, headers, credits)`` asks ``POST /credits/estimate`` for a text
that costs exactly ``credits`` under the default price table, counted by the
heuristic or by the fake Gemini alike, so a test can then confirm that amount
as the frontend does.
"""

import functools

from novel_pyramid.config import load_settings
from novel_pyramid.credits.pricing import HeuristicTokenCounter, PriceTable

ESTIMATE = "/api/v1/credits/estimate"
CONFIRM = "/api/v1/credits/jobs/confirm"


@functools.cache
def text_costing(credits, model_preference="balanced"):
    """A short text of one repeated letter that the default settings price at ``credits``."""
    settings = load_settings({}, environ={})
    prices, counter = PriceTable.from_settings(settings), HeuristicTokenCounter.from_settings(settings)
    rate = prices.rate_of(prices.model_for(model_preference))

    # Lengths in fours: the fake Gemini's count (tests.fakes.gemini_server) then agrees with the heuristic's.
    def cost(fours):
        return prices.credits_for(counter.count("a" * 4 * fours, None), rate)

    low, high = 1, 1
    while cost(high) < credits:
        high *= 2
    while low < high:  # the first length that costs ``credits`` or more
        middle = (low + high) // 2
        low, high = (middle + 1, high) if cost(middle) < credits else (low, middle)
    assert cost(low) == credits, f"no text costs exactly {credits} credits"
    return "a" * 4 * low


def estimate_of(app, headers, credits, model_preference="balanced"):
    """The body of an estimate of ``credits`` the server gave the user of ``headers``."""
    body = app.post_json(
        ESTIMATE,
        {"text": text_costing(credits, model_preference), "model_preference": model_preference},
        headers=headers,
    ).json
    assert body["estimated_credits"] == credits
    return body


def confirm_estimated(app, headers, credits=40, model_preference="balanced", status=200, **fields):
    """Estimate ``credits``, then confirm them (``fields`` join the confirmation's body)."""
    estimate_of(app, headers, credits, model_preference)
    body = {"estimated_credits": credits, "model_preference": model_preference, **fields}
    return app.post_json(CONFIRM, body, headers=headers, status=status)
