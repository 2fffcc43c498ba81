"""The offline normaliser: cut long sentences between the constituents of their parse.

Sentences over the limit are parsed by spaCy (``fr_core_news_sm``, loaded once
per process: ``novel_pyramid.pipeline.french``), in one batch per chunk, and
``cutting.plan_pieces`` chooses the cuts. Sentences within the limit are not
parsed at all. Words are never rewritten: a piece gets a capital first letter
and a closing point, and loses the comma, semicolon or colon left dangling at
its cut. The Gemini normaliser uses ``split_long_sentences`` for any sentence
the model leaves too long.

It uses no model, yet reports tokens as a model would count them, so a job
it runs settles like any other: ``ceil(characters / chars_per_token)`` of the
text it read and of the text it wrote (``credits.estimate.chars_per_token``),
and no model calls.
"""

import importlib.metadata
import math
import re

from zope.interface import implementer

from novel_pyramid.normalizers.base import Normalizer
from novel_pyramid.normalizers.cutting import plan_pieces
from novel_pyramid.normalizers.interfaces import INormalizer
from novel_pyramid.normalizers.results import Usage
from novel_pyramid.pipeline import french
from novel_pyramid.pipeline.words import count_words

_PIECE_END = re.compile(r"[.!?…](?:\s?[»”\"')\]])*$")
_DANGLING = ",;:"
_FIRST_ALNUM = re.compile(r"[^\W_]")
# What ``LocalNormalizer()`` built without settings assumes (the setting's own default is declared in config).
DEFAULT_CHARS_PER_TOKEN = 4.0


def split_sentence(sentence, limit):
    """Cut ``sentence`` into pieces of 1 to ``limit`` words each (``count_words`` rule).

    A sentence within the limit comes back unchanged, alone in the list. Words
    keep their order and spelling; see the module docstring for the only edits.
    """
    return split_long_sentences([sentence], limit)


def split_long_sentences(sentences, limit):
    """``sentences`` with each one over ``limit`` words replaced by its pieces, in order.

    The long ones are parsed together, in batches.
    """
    return [piece for pieces in split_each(sentences, limit) for piece in pieces]


def split_each(sentences, limit):
    """For each of ``sentences``, the list of its pieces (the sentence alone when within ``limit``)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    sentences = list(sentences)
    long_ones = [sentence for sentence in sentences if count_words(sentence) > limit]
    if not long_ones:
        return [[sentence] for sentence in sentences]
    docs = iter(french.parse(long_ones))
    output = []
    for sentence in sentences:
        if count_words(sentence) <= limit:
            output.append([sentence])
            continue
        units = sentence.split()
        plan = plan_pieces(sentence, next(docs), limit)
        output.append([_finish_piece(units[first:end], first=first == 0) for first, end in plan])
    return output


def _finish_piece(tokens, *, first):
    """Join a piece's tokens into a sentence: capital first letter, closing point."""
    tokens = list(tokens)
    last = tokens[-1].rstrip(_DANGLING)
    if last:
        tokens[-1] = last
    else:
        tokens.pop()
    text = " ".join(tokens)
    if not _PIECE_END.search(text):
        text += "."
    if not first:
        match = _FIRST_ALNUM.search(text)
        if match and match.group().isalpha():
            position = match.start()
            text = text[:position] + text[position].upper() + text[position + 1 :]
    return text


def estimated_tokens(texts, chars_per_token):
    """Tokens a model would count in ``texts``: one per ``chars_per_token`` characters, rounded up."""
    # Rounded first, so that float noise (220.00000000000003) does not cost a token.
    return math.ceil(round(sum(len(text) for text in texts) / chars_per_token, 6))


@implementer(INormalizer)
class LocalNormalizer(Normalizer):
    """The parser-driven normaliser used offline and when no Gemini key is configured."""

    name = "local"
    # The model's version shapes the cuts as much as this code does.
    cache_key = f"local:v2:{french.MODEL}-{importlib.metadata.version(french.MODEL.replace('_', '-'))}"

    def __init__(self, *, chars_per_token=DEFAULT_CHARS_PER_TOKEN):
        if chars_per_token <= 0:
            raise ValueError("credits.estimate.chars_per_token must be above 0")
        self.chars_per_token = chars_per_token

    @classmethod
    def from_settings(cls, settings):
        """Entry-point factory; only the token count reads a setting."""
        return cls(chars_per_token=settings["credits.estimate.chars_per_token"])

    def rewrite_each(self, sentences, limit, model=None):
        """Each sentence's pieces within ``limit``; the model argument means nothing offline."""
        pieces = split_each(sentences, limit)
        written = [piece for group in pieces for piece in group]
        tokens = estimated_tokens(sentences, self.chars_per_token), estimated_tokens(written, self.chars_per_token)
        return pieces, Usage(*tokens)

    def warm_up(self):
        """Load the parser now (a worker process calls this at start), not on the first long sentence."""
        french.pipeline()
