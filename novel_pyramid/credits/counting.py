"""``GeminiTokenCounter``: an estimate's tokens counted by Gemini itself (``models.count_tokens``).

Used when the Gemini normaliser has a key (``credits.token_counter_for``): the
model's own tokenizer counts what the job will send, so French text, which
tokenises denser than the heuristic's 4 characters a token, is priced right.
What the model writes back and the prompt around each chunk are not counted by
the API, so the heuristic's output ratio and safety margin still apply to the
count. A count that fails (Gemini unreachable, a timeout, an error answer)
falls back to the heuristic, and the estimate says so: ``estimation_method``
is then ``heuristic``. Counting is one request, never retried: an estimate
should answer promptly.
"""

import importlib
import logging
import math
import os
import threading

from google.genai import errors as genai_errors
from zope.interface import implementer

from novel_pyramid.credits.interfaces import ITokenCounter
from novel_pyramid.credits.pricing import HeuristicTokenCounter, TokenCount
from novel_pyramid.normalizers.gemini import sdk_client

log = logging.getLogger(__name__)

# The count of a book is one short request; an estimate must not wait a model call's time limit.
COUNT_TIMEOUT_SECONDS = 10.0
# Structured output needs v1beta for the normaliser; the count uses the same version.


def _transport_errors():
    # The SDK talks through httpx2 when installed, else httpx; each raises its own family.
    found = []
    for name in ("httpx2", "httpx"):
        try:
            found.append(importlib.import_module(name).HTTPError)
        except ImportError:
            continue
    return tuple(found)


# Error answers, undecodable bodies, and the transport's failures (refused, dropped, timed out).
COUNT_FAILURES = (
    genai_errors.APIError,
    genai_errors.UnknownApiResponseError,
    ValueError,
    OSError,
    *_transport_errors(),
)


@implementer(ITokenCounter)
class GeminiTokenCounter:
    method = "api"

    def __init__(self, api_key, base_url, timeout_seconds, heuristic):
        if not api_key:
            raise ValueError("the Gemini token counter needs an API key")
        self._api_key = api_key
        self.base_url = base_url
        self.timeout_seconds = min(timeout_seconds, COUNT_TIMEOUT_SECONDS)
        self.heuristic = heuristic
        self._client = None
        self._client_pid = None
        self._client_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings):
        return cls(
            settings["gemini.api_key"],
            settings["gemini.base_url"],
            settings["gemini.timeout_seconds"],
            HeuristicTokenCounter.from_settings(settings),
        )

    def __repr__(self):
        return f"<GeminiTokenCounter base_url={self.base_url!r}>"

    def count(self, text, model):
        return self.measure(text, model).tokens

    def measure(self, text, model):
        if not text:
            return TokenCount(0, self.method)
        try:
            read = self._sdk_client().models.count_tokens(model=model, contents=text).total_tokens
        except COUNT_FAILURES as error:
            log.warning("Gemini could not count the tokens (%s); the estimate uses the heuristic", type(error).__name__)
            return self.heuristic.measure(text, model)
        if not isinstance(read, int) or read < 0:
            log.warning("Gemini answered no token count; the estimate uses the heuristic")
            return self.heuristic.measure(text, model)
        written = read * self.heuristic.output_ratio
        return TokenCount(math.ceil(round((read + written) * self.heuristic.safety_margin, 6)), self.method)

    def _sdk_client(self):
        # One client a process: it wraps a connection pool, which a forked child must not share.
        with self._client_lock:
            if self._client is None or self._client_pid != os.getpid():
                self._client = sdk_client(self._api_key, self.base_url, self.timeout_seconds)
                self._client_pid = os.getpid()
            return self._client
