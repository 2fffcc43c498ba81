"""A fake Gemini API: a local HTTP server speaking the ``generateContent`` and ``countTokens`` protocols.

The real google-genai SDK is pointed at it through ``HttpOptions(base_url=...)``,
so tests exercise the SDK's own request building, error mapping and response
parsing. Each test scripts what the next calls answer; once the script runs
out, the server falls back to a "smart" answer that splits every long input
sentence with a simple rule, so any input gets a valid answer.

Token counts are deterministic: a text of ``n`` characters is ``ceil(n / 4)``
tokens (``count_tokens``), for ``countTokens`` answers and for the
``usageMetadata`` every ``generateContent`` answer carries (prompt: the system
instruction and every part of the contents; candidates: the answer's text).

Use in tests::

    server = FakeGemini().start()
    server.script(http_error(429), answer("Il dort.", "Elle lit."))
    ...  # normaliser calls with base_url=server.base_url
    assert len(server.requests) == 2
    server.stop()

Run standalone (the pipeline benchmark simulates Gemini at 2 s per call)::

    python -m tests.fakes.gemini_server --port 8765 --latency 2
"""

import argparse
import collections
import dataclasses
import itertools
import json
import math
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from novel_pyramid.pipeline.words import count_words
from tests.fakes.servers import JsonHandlerMixin, server_fixture

_GENERATE_PATH = re.compile(r"^/(?P<version>v1\w*)/models/(?P<model>[^/:]+):generateContent$")
_COUNT_PATH = re.compile(r"^/(?P<version>v1\w*)/models/(?P<model>[^/:]+):countTokens$")
# Roughly four characters per token, like the real tokenizer on French prose.
CHARS_PER_TOKEN = 4
# Headers whose values are secrets: recorded as present, never by value.
_SECRET_HEADERS = {"x-goog-api-key", "authorization"}
REDACTED = "<redacted>"


@dataclasses.dataclass(frozen=True)
class RecordedRequest:
    """One call the server received, with the API key's value hidden."""

    method: str
    path: str
    headers: dict  # lower-cased names
    body: dict | None

    @property
    def model(self):
        match = _GENERATE_PATH.match(self.path) or _COUNT_PATH.match(self.path)
        return match["model"] if match else None

    @property
    def is_count_tokens(self):
        return _COUNT_PATH.match(self.path) is not None

    @property
    def prompt_text(self):
        """Every text the model reads: the system instruction, then each part of every turn."""
        texts = [self.system_text]
        for turn in (self.body or {}).get("contents") or []:
            texts.extend(part.get("text", "") for part in turn.get("parts", []))
        return "".join(texts)

    @property
    def generation_config(self):
        return (self.body or {}).get("generationConfig", {})

    @property
    def system_text(self):
        parts = ((self.body or {}).get("systemInstruction") or {}).get("parts", [])
        return "".join(part.get("text", "") for part in parts)

    @property
    def user_text(self):
        """All text of the last user turn, payload included."""
        return "\n".join(part.get("text", "") for part in self._last_user_parts())

    @property
    def payload(self):
        """The ``{"limit", "sentences"}`` object the normaliser sends as the last part, or None."""
        parts = self._last_user_parts()
        if not parts:
            return None
        try:
            payload = json.loads(parts[-1].get("text", ""))
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None

    @property
    def sentences(self):
        return (self.payload or {}).get("sentences")

    @property
    def limit(self):
        return (self.payload or {}).get("limit")

    def _last_user_parts(self):
        contents = (self.body or {}).get("contents") or []
        user_turns = [turn for turn in contents if turn.get("role", "user") == "user"]
        return user_turns[-1].get("parts", []) if user_turns else []


@dataclasses.dataclass(frozen=True)
class Reply:
    """What the server does for one call: wait ``delay`` seconds, then answer or hang up."""

    status: int = 200
    body: dict | bytes | None = None
    delay: float = 0.0
    hang_up: bool = False


# Behaviours: each is a callable ``behaviour(request: RecordedRequest) -> Reply``.
# Tests may pass their own callables to ``FakeGemini.script`` too.


def answer(*rewrites):
    """A well-formed answer holding exactly these rewrites, one per input sentence.

    Each argument is the rewrite of one sentence: a list of sentences, or one
    sentence (a str) for a sentence copied or rewritten as one.
    """
    groups = [[rewrite] if isinstance(rewrite, str) else list(rewrite) for rewrite in rewrites]
    return lambda request: _text_reply(request, rewrites_json(groups))


def rewrites_json(groups):
    """The answer text the normaliser asks for: ``{"rewrites": [[...], ...]}``."""
    return json.dumps({"rewrites": groups}, ensure_ascii=False)


def smart():
    """Split every input sentence longer than the limit with a simple rule (the default)."""

    def behaviour(request):
        limit = request.limit or 8
        sentences = request.sentences
        if sentences is None:
            sentences = [request.user_text]
        return _text_reply(request, rewrites_json([smart_split(sentence, limit) for sentence in sentences]))

    return behaviour


def echo():
    """Send the input sentences back untouched, long ones included (an answer breaking the limit)."""
    return lambda request: _text_reply(request, rewrites_json([[sentence] for sentence in request.sentences or []]))


def raw_text(text, finish_reason="STOP"):
    """A candidate whose text is ``text`` verbatim: use for malformed JSON or a wrong shape."""
    return lambda request: _text_reply(request, text, finish_reason=finish_reason)


def blocked(reason="SAFETY"):
    """The prompt itself is refused: ``promptFeedback.blockReason`` and no candidates."""

    def behaviour(request):
        return Reply(
            body={
                "promptFeedback": {
                    "blockReason": reason,
                    "safetyRatings": [
                        {"category": "HARM_CATEGORY_SEXUALLY_EXPLICIT", "probability": "HIGH", "blocked": True}
                    ],
                },
                "usageMetadata": _usage(request, ""),
                "modelVersion": request.model,
            }
        )

    return behaviour


def stopped(reason="SAFETY"):
    """A candidate cut off with this ``finishReason`` and no content (SAFETY, RECITATION, ...)."""

    def behaviour(request):
        candidate = {
            "finishReason": reason,
            "index": 0,
            "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "HIGH", "blocked": True}],
        }
        return Reply(
            body={"candidates": [candidate], "usageMetadata": _usage(request, ""), "modelVersion": request.model}
        )

    return behaviour


def no_candidates():
    """A 200 answer with an empty candidate list and no block reason."""
    return lambda request: Reply(body={"candidates": [], "usageMetadata": _usage(request, "")})


def http_error(status, message=None, status_name=None, retry_delay=None):
    """A Google-style error body (``{"error": {code, message, status, details}}``) with this HTTP status."""
    names = {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        429: "RESOURCE_EXHAUSTED",
        500: "INTERNAL",
        503: "UNAVAILABLE",
        504: "DEADLINE_EXCEEDED",
    }
    error = {
        "code": status,
        "message": message or f"Fake Gemini error {status}.",
        "status": status_name or names.get(status, "UNKNOWN"),
    }
    if retry_delay is not None:
        # Google tells a throttled caller when to come back, as a protobuf Duration.
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{retry_delay}s"}]
    return lambda request: Reply(status=status, body={"error": error})


def hang_up():
    """Close the connection without answering (a connection error on the client side)."""
    return lambda request: Reply(hang_up=True)


def slow(seconds, then=None):
    """Wait ``seconds`` (longer than the client's timeout to provoke one), then behave like ``then``."""
    then = then or smart()

    def behaviour(request):
        return dataclasses.replace(then(request), delay=seconds)

    return behaviour


def smart_split(sentence, limit):
    """Cut a sentence into pieces of at most ``limit`` words, preferring to cut after a comma.

    Deliberately simple: good enough to stand in for the model, not a model of French.
    """
    if count_words(sentence) <= limit:
        return [sentence]
    pieces, current = [], []
    for token in sentence.split():
        if current and count_words(" ".join([*current, token])) > limit:
            pieces.append(current)
            current = []
        current.append(token)
        if token.endswith((",", ";", ":")) and count_words(" ".join(current)) * 2 >= limit:
            pieces.append(current)
            current = []
    if current:
        if pieces and count_words(" ".join(current)) == 0:
            pieces[-1].extend(current)  # trailing punctuation belongs to the last piece
        else:
            pieces.append(current)
    return [_tidy(" ".join(piece)) for piece in pieces]


def _tidy(piece):
    piece = piece.rstrip(",;: ")
    if not piece.endswith((".", "!", "?", "…", "»")):
        piece += "."
    for index, char in enumerate(piece):
        if char.isalpha():
            return piece[:index] + char.upper() + piece[index + 1 :]
    return piece


def _text_reply(request, text, finish_reason="STOP"):
    return Reply(
        body={
            "candidates": [
                {
                    "content": {"parts": [{"text": text}], "role": "model"},
                    "finishReason": finish_reason,
                    "index": 0,
                }
            ],
            "usageMetadata": _usage(request, text),
            "modelVersion": request.model,
            "responseId": f"fake-{next(_response_ids)}",
        }
    )


_response_ids = itertools.count(1)


def count_tokens(text):
    """The fake's token count of ``text``: one token per four characters, rounded up."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def _usage(request, answer_text):
    prompt_tokens = count_tokens(request.prompt_text)
    answer_tokens = count_tokens(answer_text)
    return {
        "promptTokenCount": prompt_tokens,
        "candidatesTokenCount": answer_tokens,
        "totalTokenCount": prompt_tokens + answer_tokens,
    }


def thinking(tokens, then=None):
    """Behave like ``then``, the answer's usage reporting ``tokens`` thought tokens too (a thinking model)."""
    then = then or smart()

    def behaviour(request):
        reply = then(request)
        usage = (reply.body or {}).get("usageMetadata") if isinstance(reply.body, dict) else None
        if usage is not None:
            usage["thoughtsTokenCount"] = tokens
            usage["totalTokenCount"] += tokens
        return reply

    return behaviour


def token_count():
    """The ``countTokens`` answer (the default): ``{"totalTokens": count_tokens(every text of the contents)}``."""
    return lambda request: Reply(body={"totalTokens": count_tokens(request.prompt_text)})


class FakeGemini:
    """A scriptable fake of ``POST /v1beta/models/{model}:generateContent`` and ``...:countTokens``.

    ``latency`` is added to every call. With ``api_key`` set, calls carrying
    another key get the 400 API_KEY_INVALID answer Google gives. The server
    is thread-safe: concurrent calls each take the next scripted behaviour.
    ``countTokens`` calls have their own script (``script_count_tokens``), so
    counting never uses up what a test scripted for the model's answers; both
    kinds are recorded in ``requests``.
    """

    def __init__(self, *, latency=0.0, api_key=None, host="127.0.0.1", port=0):
        self.latency = latency
        self.api_key = api_key
        self._address = (host, port)
        self._lock = threading.Lock()
        self._script = collections.deque()
        self._count_script = collections.deque()
        self._requests = []
        self._in_flight = 0
        self.max_concurrent = 0
        self._stopping = threading.Event()
        self._server = None
        self._thread = None

    # Lifecycle

    def start(self):
        self._stopping.clear()
        self._server = ThreadingHTTPServer(self._address, _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-gemini", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        # Wake handlers still sleeping on a slow reply so they end promptly.
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def base_url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # Scripting and inspection

    def script(self, *behaviours):
        """Queue behaviours for the next calls, one per call, after any already queued."""
        with self._lock:
            self._script.extend(behaviours)

    def script_count_tokens(self, *behaviours):
        """Queue behaviours for the next ``countTokens`` calls (``http_error(429)``...); then ``token_count()``."""
        with self._lock:
            self._count_script.extend(behaviours)

    def reset(self):
        """Forget the scripts, the recorded requests and the concurrency peak."""
        with self._lock:
            self._script.clear()
            self._count_script.clear()
            self._requests.clear()
            self.max_concurrent = 0

    @property
    def requests(self):
        """A copy of every call received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def generate_requests(self):
        """The ``generateContent`` calls received so far."""
        return [request for request in self.requests if not request.is_count_tokens]

    @property
    def count_requests(self):
        """The ``countTokens`` calls received so far."""
        return [request for request in self.requests if request.is_count_tokens]

    @property
    def pending(self):
        """How many scripted behaviours are still unused."""
        with self._lock:
            return len(self._script)

    # Serving (called by the request handler threads)

    def _serve(self, method, path, headers, body):
        recorded = RecordedRequest(
            method=method,
            path=path,
            headers={
                name.lower(): REDACTED if name.lower() in _SECRET_HEADERS else value for name, value in headers.items()
            },
            body=body,
        )
        with self._lock:
            self._requests.append(recorded)
            if recorded.is_count_tokens:
                behaviour = self._count_script.popleft() if self._count_script else token_count()
            else:
                behaviour = self._script.popleft() if self._script else smart()
            self._in_flight += 1
            self.max_concurrent = max(self.max_concurrent, self._in_flight)
        try:
            reply = self._reply(recorded, headers, behaviour)
            self._stopping.wait(self.latency + reply.delay)
            return reply
        finally:
            with self._lock:
                self._in_flight -= 1

    def _reply(self, recorded, headers, behaviour):
        known = _GENERATE_PATH.match(recorded.path) or _COUNT_PATH.match(recorded.path)
        if recorded.method != "POST" or known is None:
            return http_error(404, f"Method not found: {recorded.method} {recorded.path}")(recorded)
        if recorded.body is None:
            return http_error(400, "Invalid JSON payload received.")(recorded)
        sent_key = {name.lower(): value for name, value in headers.items()}.get("x-goog-api-key")
        if self.api_key is not None and sent_key != self.api_key:
            return http_error(400, "API key not valid. Please pass a valid API key.")(recorded)
        return behaviour(recorded)


def _handler_for(fake):
    class Handler(JsonHandlerMixin, BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        json_content_type = "application/json; charset=UTF-8"

        def do_POST(self):
            self._handle()

        def do_GET(self):
            self._handle()

        def _handle(self):
            try:
                body = self.read_json()
            except ValueError:
                body = None
            reply = fake._serve(self.command, self.path, dict(self.headers.items()), body)
            if reply.hang_up:
                self.close_connection = True
                return
            try:
                self.send_json(reply.status, reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout) before the slow answer came

    return Handler


def gemini_fixture(name, *, api_key, scope="session"):
    """A pytest fixture ``name`` giving a started FakeGemini that accepts ``api_key``, stopped afterwards."""

    return server_fixture(
        name,
        lambda: FakeGemini(api_key=api_key),
        scope=scope,
        doc=f"A fake Gemini server for the {scope}; tests reset it before use.",
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description="Serve a fake Gemini generateContent and countTokens API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every call")
    parser.add_argument("--api-key", default=None, help="reject calls without this key, as Google does")
    args = parser.parse_args(argv)
    fake = FakeGemini(latency=args.latency, api_key=args.api_key, host=args.host, port=args.port).start()
    print(f"Fake Gemini listening on {fake.base_url} (latency {args.latency}s); Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
