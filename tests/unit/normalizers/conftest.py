"""Fixtures for the normaliser tests: a fake Gemini server and normalisers pointed at it."""

import pytest

from novel_pyramid.config import load_settings
from novel_pyramid.normalizers.gemini import GeminiNormalizer
from tests.fakes.gemini_server import gemini_fixture

# A key that must never show up in logs or errors; the fake rejects any other.
TEST_API_KEY = "test-key-7f3c9a2e51"


# One fake server per test module; ``fake_gemini`` resets it for each test.
gemini_server = gemini_fixture("gemini_server", api_key=TEST_API_KEY, scope="module")


@pytest.fixture
def fake_gemini(gemini_server):
    gemini_server.reset()
    yield gemini_server
    gemini_server.reset()


@pytest.fixture
def gemini_settings(fake_gemini):
    """Typed settings for a normaliser talking to the fake, with a tiny backoff to keep tests fast."""
    return load_settings(
        {
            "gemini.api_key": TEST_API_KEY,
            "gemini.base_url": fake_gemini.base_url,
            "gemini.timeout_seconds": 2.0,
            "gemini.max_retries": 2,
            "gemini.backoff_seconds": 0.001,
        },
        {},
    )


@pytest.fixture
def make_normalizer(gemini_settings):
    """``make_normalizer(timeout_seconds=0.3, ...)``: a GeminiNormalizer, closed after the test."""
    created = []

    def make(**overrides):
        settings = {**gemini_settings, **{f"gemini.{key}": value for key, value in overrides.items()}}
        normalizer = GeminiNormalizer.from_settings(settings)
        created.append(normalizer)
        return normalizer

    yield make
    for normalizer in created:
        normalizer.close()
