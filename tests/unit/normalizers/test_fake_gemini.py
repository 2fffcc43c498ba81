"""The fake Gemini server speaks what the real google-genai SDK sends and reads: countTokens and usage metadata."""

import math

import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from tests.fakes.gemini_server import count_tokens, http_error, thinking
from tests.unit.normalizers.conftest import TEST_API_KEY

TEXT = "Le vieil homme marchait lentement le long de la rivière."  # 56 characters


@pytest.fixture
def client(fake_gemini):
    client = genai.Client(
        api_key=TEST_API_KEY,
        vertexai=False,
        http_options=types.HttpOptions(base_url=fake_gemini.base_url, api_version="v1beta", timeout=5000),
    )
    yield client
    client.close()


def test_count_tokens_answers_the_sdk_with_a_deterministic_count(fake_gemini, client):
    result = client.models.count_tokens(model="gemini-2.5-flash", contents=TEXT)

    assert result.total_tokens == math.ceil(len(TEXT) / 4) == count_tokens(TEXT) == 14
    [request] = fake_gemini.requests
    assert request.path == "/v1beta/models/gemini-2.5-flash:countTokens"
    assert request.is_count_tokens and request.model == "gemini-2.5-flash"
    assert fake_gemini.count_requests == [request] and fake_gemini.generate_requests == []


def test_count_tokens_counts_every_part_and_grows_with_the_text(client):
    short = client.models.count_tokens(model="gemini-2.5-flash", contents="Il dort.")
    long = client.models.count_tokens(model="gemini-2.5-flash", contents=["Il dort.", TEXT])

    assert short.total_tokens == 2
    assert long.total_tokens == count_tokens("Il dort." + TEXT)


def test_count_tokens_has_its_own_script_and_leaves_the_answers_script_alone(fake_gemini, client):
    fake_gemini.script(http_error(500))  # meant for generateContent
    fake_gemini.script_count_tokens(http_error(429))

    with pytest.raises(genai_errors.ClientError) as failure:
        client.models.count_tokens(model="gemini-2.5-flash", contents=TEXT)

    assert failure.value.code == 429
    assert fake_gemini.pending == 1
    assert client.models.count_tokens(model="gemini-2.5-flash", contents=TEXT).total_tokens == 14


def test_count_tokens_refuses_a_wrong_key(fake_gemini):
    other = genai.Client(
        api_key="wrong-key",
        vertexai=False,
        http_options=types.HttpOptions(base_url=fake_gemini.base_url, api_version="v1beta"),
    )
    with pytest.raises(genai_errors.ClientError, match="API key not valid"):
        other.models.count_tokens(model="gemini-2.5-flash", contents=TEXT)
    other.close()


def test_every_generate_answer_carries_usage_metadata_the_sdk_reads(fake_gemini, client):
    response = client.models.generate_content(
        model="gemini-2.5-flash",
        contents=TEXT,
        config=types.GenerateContentConfig(system_instruction="Réponds."),
    )

    usage = response.usage_metadata
    assert usage.prompt_token_count == count_tokens("Réponds." + TEXT)
    assert usage.candidates_token_count == count_tokens(response.text)
    assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count
    assert usage.thoughts_token_count is None


def test_thinking_adds_thought_tokens_to_the_usage(fake_gemini, client):
    fake_gemini.script(thinking(40))

    usage = client.models.generate_content(model="gemini-2.5-flash", contents=TEXT).usage_metadata

    assert usage.thoughts_token_count == 40
    assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count + 40
