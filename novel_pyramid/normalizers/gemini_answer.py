"""Checking what Gemini answered before we use it.

A call can succeed at the HTTP level and still give nothing usable: a refused
prompt, an answer cut short, text that is not the JSON we asked for, empty
sentences, or an answer that silently left out part of the text. Each of these
raises ``BadAnswer``; the normaliser counts it as a failed attempt.
"""

import collections
import json
import re

# An answer must keep at least this share of the input's words. Splitting a
# sentence loses a few linking words ("qui", "et", "mais") and repeats some
# subjects, so a faithful rewrite keeps far more than this; an answer below
# it has dropped content.
MIN_KEPT_WORD_SHARE = 0.6

# Finish reasons meaning the model would not write the text, as opposed to a
# technical stop such as MAX_TOKENS.
_REFUSALS = {
    "SAFETY",
    "RECITATION",
    "BLOCKLIST",
    "PROHIBITED_CONTENT",
    "SPII",
    "IMAGE_SAFETY",
    "LANGUAGE",
}
_NORMAL_FINISHES = {None, "STOP", "FINISH_REASON_UNSPECIFIED"}

_WORD_TOKEN = re.compile(r"\w+")


class BadAnswer(Exception):
    """Gemini answered, but with nothing we can use."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def read_rewrites(response, count):
    """The ``count`` rewrites of a ``GenerateContentResponse`` (a list of sentences per input sentence).

    Raises ``BadAnswer`` saying what is wrong.
    """
    feedback = response.prompt_feedback
    if feedback is not None and feedback.block_reason is not None:
        raise BadAnswer(f"Gemini refused the text ({_enum_name(feedback.block_reason)})")
    if not response.candidates:
        raise BadAnswer("Gemini returned no answer (no candidates)")
    candidate = response.candidates[0]
    finish = _enum_name(candidate.finish_reason)
    if finish in _REFUSALS:
        raise BadAnswer(f"Gemini refused the text ({finish})")
    if finish not in _NORMAL_FINISHES:
        raise BadAnswer(f"Gemini stopped before the end of its answer ({finish})")
    return parse_rewrites(_candidate_text(candidate), count)


def parse_rewrites(text, count):
    """Parse ``{"rewrites": [[str, ...], ...]}`` holding ``count`` non-empty lists of non-empty sentences."""
    if not text:
        raise BadAnswer("Gemini's answer is empty")
    try:
        document = json.loads(text)
    except ValueError as error:
        raise BadAnswer(f"Gemini's answer is not valid JSON ({error})") from None
    rewrites = document.get("rewrites") if isinstance(document, dict) else None
    if not isinstance(rewrites, list) or not all(
        isinstance(group, list) and all(isinstance(item, str) for item in group) for group in rewrites
    ):
        raise BadAnswer('Gemini\'s answer does not match the schema {"rewrites": [[string, ...], ...]}')
    if len(rewrites) != count:
        raise BadAnswer(f"Gemini's answer rewrites {len(rewrites)} sentence(s) instead of the {count} sent")
    rewrites = [[sentence.strip() for sentence in group] for group in rewrites]
    if not all(group and all(group) for group in rewrites):
        raise BadAnswer("Gemini's answer holds an empty sentence or a sentence rewritten as nothing")
    return rewrites


def check_kept_words(source_sentences, answer_sentences):
    """Raise ``BadAnswer`` when the answer lost too large a share of the input's words."""
    share = kept_word_share(" ".join(source_sentences), " ".join(answer_sentences))
    if share < MIN_KEPT_WORD_SHARE:
        raise BadAnswer(f"Gemini's answer dropped content: it keeps only {share:.0%} of the input's words")


def kept_word_share(source, answer):
    """Share of the source's words (counted with repeats, case-insensitive) found in the answer."""
    source_words = collections.Counter(_WORD_TOKEN.findall(source.lower()))
    total = sum(source_words.values())
    if total == 0:
        return 1.0
    answer_words = collections.Counter(_WORD_TOKEN.findall(answer.lower()))
    return sum((source_words & answer_words).values()) / total


def _candidate_text(candidate):
    # Thinking models may add "thought" parts; only the visible text is the answer.
    parts = candidate.content.parts if candidate.content and candidate.content.parts else []
    return "".join(part.text for part in parts if part.text and not part.thought)


def _enum_name(value):
    # The SDK turns known reasons into enums and keeps unknown ones as strings.
    return getattr(value, "value", value)
