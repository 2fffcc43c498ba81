"""The offline normaliser: cut long sentences between the constituents of their parse.

Sentences over the limit are parsed by spaCy (``fr_core_news_sm``, loaded once
per process: ``novel_pyramid.pipeline.french``), in one batch per chunk, and
``cutting.plan_pieces`` chooses the cuts. Sentences within the limit are not
parsed at all. Words are never rewritten: a piece gets a capital first letter
and a closing point, and loses the comma, semicolon or colon left dangling at
its cut. The Gemini normaliser uses ``split_long_sentences`` for any sentence
the model leaves too long.
"""

import importlib.metadata
import re

from zope.interface import implementer

from novel_pyramid.normalizers.cutting import plan_pieces
from novel_pyramid.normalizers.interfaces import INormalizer
from novel_pyramid.pipeline import french
from novel_pyramid.pipeline.words import count_words

_PIECE_END = re.compile(r"[.!?…](?:\s?[»”\"')\]])*$")
_DANGLING = ",;:"
_FIRST_ALNUM = re.compile(r"[^\W_]")


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
    if limit < 1:
        raise ValueError("limit must be at least 1")
    sentences = list(sentences)
    long_ones = [sentence for sentence in sentences if count_words(sentence) > limit]
    if not long_ones:
        return sentences
    docs = iter(french.parse(long_ones))
    output = []
    for sentence in sentences:
        if count_words(sentence) <= limit:
            output.append(sentence)
            continue
        units = sentence.split()
        for first, end in plan_pieces(sentence, next(docs), limit):
            output.append(_finish_piece(units[first:end], first=first == 0))
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


@implementer(INormalizer)
class LocalNormalizer:
    """The parser-driven normaliser used offline and when no Gemini key is configured."""

    name = "local"
    # The model's version shapes the cuts as much as this code does.
    cache_key = f"local:v2:{french.MODEL}-{importlib.metadata.version(french.MODEL.replace('_', '-'))}"

    @classmethod
    def from_settings(cls, settings):
        """Entry-point factory; the local normaliser needs no settings."""
        return cls()

    def normalize(self, sentences, limit):
        """Return the sentences of one chunk with every long one cut into pieces within ``limit``.

        Blank strings are skipped: they hold no words to keep.
        """
        return split_long_sentences([sentence for sentence in sentences if sentence.strip()], limit)

    def warm_up(self):
        """Load the parser now (a worker process calls this at start), not on the first long sentence."""
        french.pipeline()
