"""The Gemini normaliser, driven through the real google-genai SDK against the fake server."""

import concurrent.futures
import json
import logging
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from zope.interface.verify import verifyObject

from novel_pyramid.config import load_settings
from novel_pyramid.errors.exceptions import UpstreamError
from novel_pyramid.normalizers.gemini import GeminiNormalizer
from novel_pyramid.normalizers.gemini_answer import kept_word_share
from novel_pyramid.normalizers.gemini_prompt import ANSWER_SCHEMA, PROMPT_VERSION
from novel_pyramid.normalizers.interfaces import INormalizer
from novel_pyramid.normalizers.local import split_sentence
from novel_pyramid.pipeline.words import count_words
from tests.fakes.gemini_server import (
    REDACTED,
    Reply,
    answer,
    blocked,
    echo,
    hang_up,
    http_error,
    no_candidates,
    raw_text,
    slow,
    smart,
    smart_split,
    stopped,
)
from tests.unit.normalizers.conftest import TEST_API_KEY

LIMIT = 8
SHORT = "Il faisait froid ce matin-là."  # 5 words
LONG = (
    "Le vieil homme marchait lentement le long de la rivière, en regardant "
    "les bateaux qui passaient sous le vieux pont de pierre."
)  # 22 words
OTHER_LONG = "« Je ne sais pas, dit-elle, si nous reviendrons un jour dans cette maison où nous avons été heureux. »"
# What a good model answers for [SHORT, LONG]: short sentence untouched, the
# long one cut into short ones reusing its words.
GOOD_PIECES = [
    "Le vieil homme marchait lentement.",
    "Il marchait le long de la rivière.",
    "Il regardait les bateaux.",
    "Ils passaient sous le vieux pont de pierre.",
]
GOOD_REWRITES = [[SHORT], GOOD_PIECES]  # the answer: one list per input sentence
GOOD_ANSWER = [SHORT, *GOOD_PIECES]


def within_limit(sentences, limit=LIMIT):
    return all(sentence.strip() and count_words(sentence) <= limit for sentence in sentences)


# Settings and identity


def test_from_settings_applies_documented_defaults():
    normalizer = GeminiNormalizer.from_settings(load_settings({"gemini.api_key": "some-key"}, {}))

    assert normalizer.name == "gemini"
    assert normalizer.model == "gemini-2.5-flash"
    assert normalizer.base_url is None
    assert normalizer.timeout_seconds == 60.0
    assert normalizer.max_retries == 4
    assert normalizer.backoff_seconds == 1.0
    assert normalizer.cache_key == f"gemini:gemini-2.5-flash:{PROMPT_VERSION}"
    verifyObject(INormalizer, normalizer)


def test_from_settings_coerces_values_given_as_strings():
    normalizer = GeminiNormalizer.from_settings(
        load_settings(
            {
                "gemini.api_key": "some-key",
                "gemini.model": "gemini-2.5-pro",
                "gemini.timeout_seconds": "5",
                "gemini.max_retries": "1",
                "gemini.backoff_seconds": "0.5",
            },
            {},
        )
    )

    assert (normalizer.timeout_seconds, normalizer.max_retries, normalizer.backoff_seconds) == (5.0, 1, 0.5)
    assert normalizer.cache_key == f"gemini:gemini-2.5-pro:{PROMPT_VERSION}"


@pytest.mark.parametrize("settings", [{}, {"gemini.api_key": ""}, {"gemini.api_key": None}])
def test_from_settings_without_a_key_names_the_variable_to_set(settings):
    with pytest.raises(ValueError, match="GEMINI_API_KEY"):
        GeminiNormalizer.from_settings(load_settings(settings, {}))


# Plain answers and what is sent


def test_chunk_within_the_limit_makes_no_request(fake_gemini, make_normalizer):
    chunk = [SHORT, "Un deux trois quatre cinq six sept huit."]  # 5 and exactly 8 words

    assert make_normalizer().rewrite(chunk, LIMIT).sentences == chunk
    assert fake_gemini.requests == []


def test_plain_answer_is_returned_as_given(fake_gemini, make_normalizer):
    fake_gemini.script(answer(*GOOD_REWRITES))

    assert make_normalizer().rewrite([SHORT, LONG], LIMIT).sentences == GOOD_ANSWER
    assert len(fake_gemini.requests) == 1


def test_request_asks_for_structured_output_at_the_configured_base_url(fake_gemini, make_normalizer):
    make_normalizer().rewrite([SHORT, LONG], LIMIT)

    [request] = fake_gemini.requests
    assert request.method == "POST"
    assert request.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert request.generation_config["responseMimeType"] == "application/json"
    assert request.generation_config["responseJsonSchema"] == ANSWER_SCHEMA
    assert request.payload == {"limit": LIMIT, "sentences": [SHORT, LONG]}
    assert "au plus chacune" in request.system_text and f"{LIMIT} mots" in request.system_text
    assert "Ne traduis pas" in request.system_text


def test_model_setting_chooses_the_model_called(fake_gemini, make_normalizer):
    make_normalizer(model="gemini-2.5-pro").rewrite([LONG], LIMIT)

    assert fake_gemini.requests[0].model == "gemini-2.5-pro"


def test_output_keeps_the_input_order(fake_gemini, make_normalizer):
    result = make_normalizer().rewrite([LONG, SHORT, OTHER_LONG], LIMIT).sentences

    assert result == [*smart_split(LONG, LIMIT), SHORT, *smart_split(OTHER_LONG, LIMIT)]
    assert within_limit(result)


# Unusable answers: retried a bounded number of times


@pytest.mark.parametrize(
    "bad_answer",
    [
        pytest.param(raw_text('{"sentences": ["Le vieil homme'), id="malformed-json"),
        pytest.param(raw_text('{"phrases": ["Le vieil homme."]}'), id="wrong-key"),
        pytest.param(raw_text('["Le vieil homme."]'), id="not-an-object"),
        pytest.param(raw_text('{"sentences": [1, 2]}'), id="not-strings"),
        pytest.param(answer(SHORT, [GOOD_PIECES[0], "  ", *GOOD_PIECES[1:]]), id="empty-sentence"),
        pytest.param(answer(SHORT, []), id="sentence-rewritten-as-nothing"),
        pytest.param(answer(*GOOD_ANSWER), id="one-list-per-output-sentence"),
        pytest.param(answer([SHORT, *GOOD_PIECES]), id="one-list-for-all"),
        pytest.param(raw_text(json.dumps({"sentences": GOOD_ANSWER})), id="the-old-flat-shape"),
        pytest.param(answer(SHORT, "Le vieil homme marchait."), id="dropped-content"),
        pytest.param(no_candidates(), id="no-candidates"),
        pytest.param(raw_text("", finish_reason="MAX_TOKENS"), id="cut-off"),
        pytest.param(lambda request: Reply(body=b"<html>Bad gateway</html>"), id="body-not-json"),
    ],
)
def test_unusable_answer_is_retried_then_replaced(fake_gemini, make_normalizer, bad_answer):
    fake_gemini.script(bad_answer, answer(*GOOD_REWRITES))

    assert make_normalizer().rewrite([SHORT, LONG], LIMIT).sentences == GOOD_ANSWER
    assert len(fake_gemini.requests) == 2


@pytest.mark.parametrize(
    "refusal, reason",
    [(blocked("SAFETY"), "SAFETY"), (stopped("SAFETY"), "SAFETY"), (stopped("RECITATION"), "RECITATION")],
)
def test_repeated_refusal_raises_upstream_error_with_the_reason(fake_gemini, make_normalizer, refusal, reason):
    fake_gemini.script(refusal, refusal, refusal, refusal)

    with pytest.raises(UpstreamError, match=rf"Gemini refused the text \({reason}\)"):
        make_normalizer(max_retries=4).rewrite([LONG], LIMIT)
    assert len(fake_gemini.requests) == 3  # the first try and BAD_ANSWER_RETRIES retries


def test_repeated_empty_sentences_never_pass(fake_gemini, make_normalizer):
    fake_gemini.script(*[answer(SHORT, [*GOOD_PIECES, ""])] * 3)

    with pytest.raises(UpstreamError, match="empty sentence"):
        make_normalizer().rewrite([SHORT, LONG], LIMIT)


def test_repeated_dropped_content_raises_upstream_error(fake_gemini, make_normalizer):
    fake_gemini.script(*[answer(SHORT, "Il marchait.")] * 3)

    with pytest.raises(UpstreamError, match="dropped content"):
        make_normalizer().rewrite([SHORT, LONG], LIMIT)


def test_kept_word_share_counts_repeated_words_and_ignores_case():
    assert kept_word_share("Le chat et le chien.", "Le chat. Le chien.") == 0.8
    assert kept_word_share("", "Rien.") == 1.0


# Transient failures: retried with backoff


def test_rate_limit_then_success(fake_gemini, make_normalizer):
    fake_gemini.script(http_error(429))

    assert within_limit(make_normalizer().rewrite([LONG], LIMIT).sentences)
    assert len(fake_gemini.requests) == 2


def test_rate_limit_retry_delay_is_honoured(fake_gemini, make_normalizer):
    fake_gemini.script(http_error(429, retry_delay=0.3))

    started = time.monotonic()
    make_normalizer().rewrite([LONG], LIMIT)

    assert time.monotonic() - started >= 0.3


def test_backoff_grows_between_attempts(fake_gemini, make_normalizer):
    fake_gemini.script(http_error(503), http_error(502))

    started = time.monotonic()
    make_normalizer(backoff_seconds=0.05).rewrite([LONG], LIMIT)

    # Equal jitter waits at least half of 0.05 s, then half of 0.1 s.
    assert time.monotonic() - started >= 0.075
    assert len(fake_gemini.requests) == 3


def test_server_errors_until_the_retries_run_out(fake_gemini, make_normalizer):
    fake_gemini.script(*[http_error(500, "Internal error encountered.")] * 3)

    with pytest.raises(UpstreamError, match=r"HTTP 500 INTERNAL: Internal error encountered.*3 attempt"):
        make_normalizer(max_retries=2).rewrite([LONG], LIMIT)
    assert len(fake_gemini.requests) == 3


def test_slow_answer_times_out_and_is_retried(fake_gemini, make_normalizer):
    fake_gemini.script(slow(1.0))

    assert within_limit(make_normalizer(timeout_seconds=0.3).rewrite([LONG], LIMIT).sentences)
    assert len(fake_gemini.requests) == 2


def test_answers_always_too_slow_raise_upstream_error(fake_gemini, make_normalizer):
    fake_gemini.script(slow(1.0), slow(1.0))

    with pytest.raises(UpstreamError, match="Timeout"):
        make_normalizer(timeout_seconds=0.2, max_retries=1).rewrite([LONG], LIMIT)
    assert len(fake_gemini.requests) == 2


def test_dropped_connection_is_retried(fake_gemini, make_normalizer):
    fake_gemini.script(hang_up())

    assert within_limit(make_normalizer().rewrite([LONG], LIMIT).sentences)
    assert len(fake_gemini.requests) == 2


def test_unreachable_server_raises_upstream_error(make_normalizer):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    with pytest.raises(UpstreamError, match="ConnectError"):
        make_normalizer(base_url=f"http://127.0.0.1:{closed_port}").rewrite([LONG], LIMIT)


# Permanent failures: not retried


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_not_retried(fake_gemini, make_normalizer, status):
    fake_gemini.script(http_error(status, "Nope."))

    with pytest.raises(UpstreamError, match=rf"rejected the request: HTTP {status}"):
        make_normalizer().rewrite([LONG], LIMIT)
    assert len(fake_gemini.requests) == 1


def test_wrong_api_key_fails_at_once_with_a_hint(fake_gemini, make_normalizer):
    with pytest.raises(UpstreamError, match=r"API key not valid.*GEMINI_API_KEY"):
        make_normalizer(api_key="not-the-right-key").rewrite([LONG], LIMIT)
    assert len(fake_gemini.requests) == 1


def test_api_key_is_sent_in_the_header_and_never_logged(fake_gemini, make_normalizer, caplog):
    caplog.set_level(logging.DEBUG)
    normalizer = make_normalizer()
    fake_gemini.script(http_error(429), smart(), http_error(403, "Permission denied."))

    normalizer.rewrite([LONG], LIMIT)  # the fake rejects any other key
    with pytest.raises(UpstreamError) as failure:
        normalizer.rewrite([LONG], LIMIT)

    assert all(request.headers["x-goog-api-key"] == REDACTED for request in fake_gemini.requests)
    assert "retrying" in caplog.text  # the retry was logged...
    assert TEST_API_KEY not in caplog.text  # ...without the key
    assert TEST_API_KEY not in str(failure.value) and TEST_API_KEY not in repr(normalizer)


# Sentences still over the limit: one corrective request, then the offline split


def test_answer_over_the_limit_gets_one_corrective_request(fake_gemini, make_normalizer):
    fake_gemini.script(echo(), answer(GOOD_PIECES))

    assert make_normalizer().rewrite([SHORT, LONG], LIMIT).sentences == GOOD_ANSWER

    _first, correction = fake_gemini.requests
    assert correction.sentences == [LONG]  # only the piece still too long, sent back alone
    assert "plus de 8 mots" in correction.user_text
    assert correction.generation_config["responseJsonSchema"] == ANSWER_SCHEMA


def test_answer_still_over_the_limit_is_split_offline(fake_gemini, make_normalizer):
    fake_gemini.script(echo(), echo())

    result = make_normalizer().rewrite([SHORT, LONG], LIMIT).sentences

    assert result == [SHORT, *split_sentence(LONG, LIMIT)]
    assert within_limit(result)
    assert len(fake_gemini.requests) == 2


def test_failed_correction_falls_back_to_the_offline_split(fake_gemini, make_normalizer):
    fake_gemini.script(echo(), *[http_error(500)] * 3)

    result = make_normalizer(max_retries=2).rewrite([SHORT, LONG], LIMIT).sentences

    assert result == [SHORT, *split_sentence(LONG, LIMIT)]
    assert len(fake_gemini.requests) == 4


# Sharing one normaliser


def test_one_normaliser_serves_concurrent_threads(fake_gemini, make_normalizer):
    normalizer = make_normalizer()
    chunks = [[f"Chapitre {number}.", LONG] for number in range(8)]
    fake_gemini.script(*[slow(0.2)] * len(chunks))

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda chunk: normalizer.rewrite(chunk, LIMIT).sentences, chunks))

    for chunk, result in zip(chunks, results, strict=True):
        assert result == [chunk[0], *smart_split(LONG, LIMIT)]
    assert fake_gemini.max_concurrent > 1


# The fake server run on its own, as the pipeline benchmark does


def test_fake_server_runs_standalone_with_a_fixed_latency():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    repository = Path(__file__).resolve().parents[3]
    command = [sys.executable, "-m", "tests.fakes.gemini_server", "--port", str(port), "--latency", "0.2"]
    server = subprocess.Popen(command, cwd=repository, stdout=subprocess.PIPE, text=True)
    try:
        assert "listening" in server.stdout.readline()
        normalizer = GeminiNormalizer("any-key", base_url=f"http://127.0.0.1:{port}", max_retries=0)

        started = time.monotonic()
        result = normalizer.rewrite([LONG], LIMIT).sentences

        assert time.monotonic() - started >= 0.2
        assert result == smart_split(LONG, LIMIT)
        normalizer.close()
    finally:
        server.terminate()
        server.wait(timeout=5)
