"""Gemini's own token count for estimates, through the real google-genai SDK against the fake server."""

import logging
import math

import pytest
from zope.interface.verify import verifyObject

from novel_pyramid.config import load_settings
from novel_pyramid.credits import token_counter_for
from novel_pyramid.credits.counting import GeminiTokenCounter
from novel_pyramid.credits.interfaces import ITokenCounter
from novel_pyramid.credits.pricing import HeuristicTokenCounter
from tests.fakes.gemini_server import count_tokens, gemini_fixture, hang_up, http_error
from tests.fakes.servers import free_port

API_KEY = "test-count-key-5d1e"
TEXT = "Le capitaine regardait la mer pendant que les marins dormaient encore. " * 20

gemini_server = gemini_fixture("gemini_server", api_key=API_KEY, scope="module")


@pytest.fixture
def fake_gemini(gemini_server):
    gemini_server.reset()
    yield gemini_server
    gemini_server.reset()


def settings_for(**overrides):
    return load_settings(overrides, environ={})


@pytest.fixture
def counter(fake_gemini):
    return token_counter_for(
        settings_for(**{"normalizer": "gemini", "gemini.api_key": API_KEY, "gemini.base_url": fake_gemini.base_url})
    )


def test_with_a_gemini_key_the_counter_asks_gemini(counter, fake_gemini):
    assert isinstance(counter, GeminiTokenCounter) and verifyObject(ITokenCounter, counter)

    tokens, method = counter.measure(TEXT, "gemini-2.5-pro")

    read = count_tokens(TEXT)  # the fake's tokenizer
    # What Gemini counts is read; as much again is written, and the safety margin covers the prompts.
    assert (tokens, method) == (math.ceil(round(read * 2 * 1.1, 6)), "api")
    (request,) = fake_gemini.count_requests
    assert request.path == "/v1beta/models/gemini-2.5-pro:countTokens"
    assert counter.count(TEXT, "gemini-2.5-pro") == tokens


def test_an_empty_text_costs_nothing_and_asks_nobody(counter, fake_gemini):
    assert counter.measure("", "gemini-2.5-flash") == (0, "api")
    assert fake_gemini.count_requests == []


@pytest.mark.parametrize("failure", [http_error(500), http_error(429), http_error(403), hang_up()])
def test_a_failed_count_falls_back_to_the_heuristic_and_says_so(counter, fake_gemini, failure, caplog):
    fake_gemini.script_count_tokens(failure)
    heuristic = HeuristicTokenCounter.from_settings(settings_for())

    with caplog.at_level(logging.WARNING, logger="novel_pyramid.credits.counting"):
        measured = counter.measure(TEXT, "gemini-2.5-flash")

    assert measured == (heuristic.count(TEXT, None), "heuristic")
    assert "heuristic" in caplog.text and API_KEY not in caplog.text
    assert len(fake_gemini.count_requests) == 1  # never retried: an estimate answers promptly


def test_an_unreachable_gemini_falls_back_to_the_heuristic():
    counter = GeminiTokenCounter(
        API_KEY, f"http://127.0.0.1:{free_port()}", 1.0, HeuristicTokenCounter.from_settings(settings_for())
    )
    assert counter.measure(TEXT, "gemini-2.5-flash").method == "heuristic"


def test_without_a_key_or_with_the_local_normaliser_the_heuristic_counts():
    assert isinstance(token_counter_for(settings_for(normalizer="local")), HeuristicTokenCounter)
    local_with_key = settings_for(**{"normalizer": "local", "gemini.api_key": API_KEY})
    assert isinstance(token_counter_for(local_with_key), HeuristicTokenCounter)
