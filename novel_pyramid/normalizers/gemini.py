"""The Gemini normaliser: rewrites long French sentences with Google Gemini.

One request per chunk, asking through the SDK's structured output for
``{"rewrites": [[...], ...]}``: one list of sentences per sentence sent, so
each output sentence knows its source exactly. The answer is checked
(``gemini_answer``: as many lists as sentences, no empty one, no content
dropped); pieces still over the limit are sent back once, alone, to be cut,
then split by the offline normaliser's parser-driven splitter
(``local.split_each``, all of a chunk's leftovers parsed in one batch), so
nothing over the limit ever leaves this module. The options (dialogue, short
pieces, typography) are handled by ``base.Normalizer.rewrite``, as for every
normaliser; a job's ``model`` chooses the model called.

Usage: every call's ``usage_metadata`` is summed, retries and the correction
included (prompt tokens as read; candidate and thought tokens as written), and
every request sent counts as a model call. When a chunk fails, the
``UpstreamError`` carries that sum as ``usage``.

Retry policy (ours alone: the SDK's own retries stay off, which is its default
when ``HttpOptions.retry_options`` is unset, so attempts are never multiplied):

- 429, 408, 5xx, timeouts and connection errors are transient: up to
  ``max_retries`` retries with exponential backoff and jitter, waiting at least
  as long as a 429's ``RetryInfo.retryDelay`` asks.
- A usable-looking call with an unusable answer (refusal, malformed JSON,
  empty sentence, dropped content) is retried too, but at most
  ``BAD_ANSWER_RETRIES`` times: such answers tend to repeat.
- Any other 4xx (bad key, bad request) is not retried.

When the retries run out, ``UpstreamError`` fails this chunk alone.
"""

import importlib
import json
import logging
import os
import random
import threading
import time

from google import genai
from google.genai import errors as genai_errors
from google.genai import types
from zope.interface import implementer

from novel_pyramid.errors.exceptions import UpstreamError, UpstreamRateLimited, UpstreamTimeout
from novel_pyramid.metrics.record import count_model_call, count_model_tokens
from novel_pyramid.normalizers.base import Normalizer
from novel_pyramid.normalizers.gemini_answer import BadAnswer, check_kept_words, read_rewrites
from novel_pyramid.normalizers.gemini_prompt import (
    ANSWER_SCHEMA,
    PROMPT_VERSION,
    correction_request,
    rewrite_request,
    system_prompt,
)
from novel_pyramid.normalizers.interfaces import INormalizer
from novel_pyramid.normalizers.local import split_each
from novel_pyramid.normalizers.results import Usage
from novel_pyramid.pipeline.words import count_words

log = logging.getLogger(__name__)

DEFAULT_MODEL = "gemini-2.5-flash"
BAD_ANSWER_RETRIES = 2
MAX_BACKOFF_SECONDS = 60.0
# Structured output (responseJsonSchema) and systemInstruction are documented on
# v1beta; google-genai 3 defaults to v1, so the version is pinned on purpose.
API_VERSION = "v1beta"


def sdk_client(api_key, base_url, timeout_seconds):
    """A google-genai client of the Gemini API at ``base_url``: ``timeout_seconds`` a call, no retries of its own."""
    return genai.Client(
        api_key=api_key,
        vertexai=False,
        http_options=types.HttpOptions(
            base_url=base_url,
            api_version=API_VERSION,
            timeout=int(timeout_seconds * 1000),  # the SDK wants milliseconds
            retry_options=None,  # the caller's loop is the only retry policy
        ),
    )


# Low but not zero: faithful rewriting wants little creativity, and a retry
# after a malformed answer should still be able to come out differently.
TEMPERATURE = 0.2

_RETRYABLE_CLIENT_STATUSES = {408, 429}


def _transport_errors(name="TransportError"):
    # The SDK talks through httpx2 when installed, else httpx; both raise their
    # own TransportError family (timeouts, refused or dropped connections).
    classes = []
    for module_name in ("httpx2", "httpx"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        classes.append(getattr(module, name))
    return tuple(classes)


TRANSPORT_ERRORS = _transport_errors()
TIMEOUT_ERRORS = _transport_errors("TimeoutException")


@implementer(INormalizer)
class GeminiNormalizer(Normalizer):
    """Rewrites sentences over the word limit with Gemini; thread-safe, one SDK client per process."""

    name = "gemini"

    def __init__(
        self,
        api_key,
        *,
        model=DEFAULT_MODEL,
        base_url=None,
        timeout_seconds=60.0,
        max_retries=4,
        backoff_seconds=1.0,
    ):
        if not api_key:
            raise ValueError("The Gemini normaliser needs an API key: set GEMINI_API_KEY.")
        if max_retries < 0 or timeout_seconds <= 0 or backoff_seconds < 0:
            raise ValueError("gemini.max_retries and gemini.backoff_seconds must be >= 0, gemini.timeout_seconds > 0")
        self._api_key = api_key
        self.model = model
        self.base_url = base_url
        self.timeout_seconds = timeout_seconds
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.cache_key = f"gemini:{model}:{PROMPT_VERSION}"
        self._client = None
        self._client_pid = None
        self._client_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings):
        """Build from the typed settings (``gemini.*`` keys); the entry point's factory."""
        api_key = settings["gemini.api_key"]
        if not api_key:
            raise ValueError(
                "The Gemini normaliser needs an API key: set GEMINI_API_KEY "
                "(setting gemini.api_key), or choose NOVEL_NORMALIZER=local."
            )
        return cls(
            api_key,
            model=settings["gemini.model"],
            base_url=settings["gemini.base_url"],
            timeout_seconds=settings["gemini.timeout_seconds"],
            max_retries=settings["gemini.max_retries"],
            backoff_seconds=settings["gemini.backoff_seconds"],
        )

    def __repr__(self):
        # Never show the key, here or anywhere else.
        return f"<GeminiNormalizer model={self.model!r} base_url={self.base_url!r}>"

    def rewrite_each(self, sentences, limit, model=None):
        """Each sentence's rewrite within ``limit`` and the usage of every call made for them."""
        sentences = list(sentences)
        usage = _UsageTally()
        if all(count_words(sentence) <= limit for sentence in sentences):
            return [[sentence] for sentence in sentences], usage.total()
        model = model or self.model
        try:
            rewrites = self._ask(rewrite_request(sentences, limit), sentences, limit, model, usage)
        except UpstreamError as error:
            error.usage = usage.total()
            raise
        offending = [piece for group in rewrites for piece in group if count_words(piece) > limit]
        if offending:
            rewrites = self._ask_for_correction(rewrites, offending, limit, model, usage)
        return _split_what_still_breaks(rewrites, limit), usage.total()

    def close(self):
        """Release the HTTP connections (optional: they are also released at exit)."""
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    # The conversation

    def _ask_for_correction(self, rewrites, offending, limit, model, usage):
        log.info("Gemini left %d sentence(s) over %d words; asking once for a rewrite", len(offending), limit)
        try:
            corrected = iter(self._ask(correction_request(offending, limit), offending, limit, model, usage))
        except UpstreamError as error:
            # The first answer is usable; its long sentences get split locally.
            log.warning("Gemini's correction failed (%s); splitting the long sentences locally", error.message)
            return rewrites
        # Each offending piece is replaced by its own rewrite, in place: the sources stay exact.
        return [
            [cut for piece in group for cut in (next(corrected) if count_words(piece) > limit else [piece])]
            for group in rewrites
        ]

    def _ask(self, user_parts, source, limit, model, usage):
        """One request, retried per the policy above; returns the checked rewrites, one per ``source`` sentence."""
        attempts = bad_answers = 0
        while True:
            attempts += 1
            try:
                return self._attempt(user_parts, source, limit, model, usage)
            except BadAnswer as error:
                bad_answers += 1
                if bad_answers > min(BAD_ANSWER_RETRIES, self.max_retries):
                    raise UpstreamError(f"{error.reason}; gave up after {attempts} attempt(s)") from None
                reason, retry_after, gave_up = error.reason, None, UpstreamError
            except (genai_errors.APIError, *TRANSPORT_ERRORS) as error:
                reason, retry_after = _describe(error)
                if not _is_transient(error):
                    raise UpstreamError(f"Gemini rejected the request: {reason}") from None
                gave_up = _gave_up_error(error)
            if attempts > self.max_retries:
                raise gave_up(f"Gemini failed: {reason}; gave up after {attempts} attempt(s)") from None
            delay = self._backoff(attempts, retry_after)
            log.warning(
                "Gemini call failed (attempt %d of %d): %s; retrying in %.2fs",
                attempts,
                self.max_retries + 1,
                reason,
                delay,
            )
            time.sleep(delay)

    def _attempt(self, user_parts, source, limit, model, usage):
        usage.calls += 1
        outcome = "error"
        try:
            try:
                response = self._generate(user_parts, limit, model)
            except (genai_errors.UnknownApiResponseError, json.JSONDecodeError):
                # A 200 whose body is not JSON (a proxy's HTML page, a truncated body):
                # the SDK lets the raw decoding error through on this path.
                raise BadAnswer("Gemini sent a response body that is not JSON") from None
            count_model_tokens(model, *usage.add(response.usage_metadata))
            rewrites = read_rewrites(response, len(source))
            check_kept_words(source, [sentence for group in rewrites for sentence in group])
            outcome = "ok"
            return rewrites
        except BadAnswer:
            outcome = "bad_answer"
            raise
        except (genai_errors.APIError, *TRANSPORT_ERRORS) as error:
            outcome = _CALL_OUTCOMES.get(_gave_up_error(error), "error")
            raise
        finally:
            count_model_call(model, outcome)

    def _generate(self, user_parts, limit, model):
        return self._sdk_client().models.generate_content(
            model=model,
            contents=[types.Content(role="user", parts=[types.Part(text=text) for text in user_parts])],
            config=types.GenerateContentConfig(
                system_instruction=system_prompt(limit),
                temperature=TEMPERATURE,
                response_mime_type="application/json",
                response_json_schema=ANSWER_SCHEMA,
                # Exactly one HTTP request per call: no tool loop, no continuation hops.
                automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
                automatic_continuation=False,
            ),
        )

    def _sdk_client(self):
        # The SDK client wraps an httpx connection pool, which is safe to share
        # between threads but not across fork(): a Celery prefork child makes
        # its own on first use.
        with self._client_lock:
            if self._client is None or self._client_pid != os.getpid():
                self._client = sdk_client(self._api_key, self.base_url, self.timeout_seconds)
                self._client_pid = os.getpid()
            return self._client

    def _backoff(self, attempt, retry_after=None):
        """Exponential backoff with "equal jitter": half fixed, half random, so bursts spread out."""
        ceiling = min(MAX_BACKOFF_SECONDS, self.backoff_seconds * 2 ** (attempt - 1))
        delay = ceiling / 2 + random.uniform(0, ceiling / 2)
        if retry_after is not None:
            delay = max(delay, min(retry_after, MAX_BACKOFF_SECONDS))
        return delay


class _UsageTally:
    """The usage of one chunk's calls, added up as they come (one tally per call of ``rewrite_each``)."""

    def __init__(self):
        self.input_tokens = self.output_tokens = self.calls = 0

    def add(self, metadata):
        """Add one call's usage; ``(input tokens, output tokens)`` of that call."""
        if metadata is None:
            return 0, 0
        input_tokens = (metadata.prompt_token_count or 0) + (metadata.tool_use_prompt_token_count or 0)
        # A thinking model bills its thoughts as output.
        output_tokens = (metadata.candidates_token_count or 0) + (metadata.thoughts_token_count or 0)
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        return input_tokens, output_tokens

    def total(self):
        return Usage(self.input_tokens, self.output_tokens, self.calls)


def _split_what_still_breaks(rewrites, limit):
    pieces = [piece for group in rewrites for piece in group]
    too_long = sum(count_words(piece) > limit for piece in pieces)
    if not too_long:
        return rewrites
    log.info("Splitting %d sentence(s) Gemini left over %d words with the offline normaliser", too_long, limit)
    cuts = iter(split_each(pieces, limit))
    return [[cut for _ in group for cut in next(cuts)] for group in rewrites]


# The outcome label of a failed call (metrics), by the error it would end in.
_CALL_OUTCOMES = {UpstreamRateLimited: "rate_limited", UpstreamTimeout: "timeout"}


def _gave_up_error(error):
    """The error a transient failure like ``error`` ends in once the retries run out: its code says which kind."""
    if isinstance(error, genai_errors.APIError):
        if error.code == 429:
            return UpstreamRateLimited
        if error.code in (408, 504):
            return UpstreamTimeout
    elif isinstance(error, TIMEOUT_ERRORS):
        return UpstreamTimeout
    return UpstreamError


def _is_transient(error):
    if isinstance(error, genai_errors.ClientError):
        return error.code in _RETRYABLE_CLIENT_STATUSES
    return True  # 5xx, odd statuses, timeouts and connection errors


def _describe(error):
    """A one-line reason for logs and errors, and the server's requested delay if any."""
    if isinstance(error, genai_errors.APIError):
        status = f"HTTP {error.code} {error.status}" if error.status else f"HTTP {error.code}"
        reason = f"{status}: {error.message or 'no message'}"
        if error.code in (401, 403) or "API key" in (error.message or ""):
            reason += " (check GEMINI_API_KEY)"
        return reason, _retry_delay(error.details)
    return f"{type(error).__name__}: {error}", None


def _retry_delay(details):
    # Google puts the wait it wants in a google.rpc.RetryInfo detail: {"retryDelay": "7s"}.
    error = details.get("error", details) if isinstance(details, dict) else {}
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            try:
                return float(str(detail.get("retryDelay", "")).rstrip("s"))
            except ValueError:
                return None
    return None
