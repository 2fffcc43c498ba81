"""Split French paragraphs into sentences.

A sentence ends at ``.``, ``?``, ``!`` or an ellipsis followed by a space,
unless French usage says otherwise: a title or abbreviation (``M. Dupont``,
``p. 12``), an initial (``J. Verne``), a dotted acronym (``S.N.C.F.``,
``J.-C.``), an ellipsis or a ``?``/``!`` followed by a lowercase word
(``« Viens-tu ? » demanda-t-il.`` is one sentence). Closing quotes and
brackets stay with the sentence they close; a quotation of several
sentences is split at its sentence ends like any text, each learner sentence
being one sentence. Numbers such as ``3.14`` or ``1.000`` hold no space after
their point and are never split.
"""

import bisect
import re
from typing import NamedTuple

# Titles and abbreviations written with a final point, compared case-folded.
_ABBREVIATIONS = frozenset(
    (
        "m",
        "mm",
        "mme",
        "mmes",
        "mlle",
        "mlles",
        "me",
        "mgr",
        "dr",
        "pr",
        "st",
        "ste",
        "p",
        "pp",
        "cf",
        "ex",
        "av",
        "apr",
        "etc",
        "env",
        "vol",
        "chap",
        "fig",
        "éd",
        "art",
        "sq",
        "ibid",
        "op",
        "cit",
        "coll",
        "trad",
        "réf",
        "nº",
        "no",
    )
)
# "etc." may close a sentence: it does when a capital follows.
_CLOSES_WHEN_CAPITAL_FOLLOWS = frozenset({"etc"})

# A run of end punctuation, any closing quotes or brackets, then the space
# that separates it from what follows.
_CANDIDATE = re.compile(r"(?P<punct>[.!?…]+)(?P<close>(?:\s?[»”\"')\]])*)\s+")
_DOTTED = re.compile(r"(?:[^\W\d_]{1,2}\.-?)+[^\W\d_]{1,2}")
_OPENERS = "«“\"'([—–-"
_HAS_WORD = re.compile(r"\w")
_DIALOGUE_OPENERS = ("«", "“", "—", "–")


class LocatedSentence(NamedTuple):
    """A sentence and the pages (1-based, inclusive) its first and last characters were printed on."""

    text: str
    start_page: int
    end_page: int


def split_sentences(paragraphs):
    """Yield the sentences of each paragraph in order; no sentence spans two paragraphs.

    Whitespace inside a sentence is collapsed to single spaces; empty
    paragraphs yield nothing.
    """
    for paragraph in paragraphs:
        text = " ".join(paragraph.split())
        for start, end in _sentence_spans(text):
            yield text[start:end]


def split_located_sentences(paragraphs):
    """Yield a ``LocatedSentence`` for each sentence of ``layout.Paragraph`` items, as ``split_sentences`` cuts them."""
    for paragraph in paragraphs:
        text, page_starts = _collapse(paragraph.text, paragraph.page_starts)
        offsets = [offset for offset, _ in page_starts]

        def page_at(offset, page_starts=page_starts, offsets=offsets):
            return page_starts[max(bisect.bisect_right(offsets, offset) - 1, 0)][1]

        for start, end in _sentence_spans(text):
            yield LocatedSentence(text[start:end], page_at(start), page_at(end - 1))


def _collapse(text, page_starts):
    """``text`` with its whitespace collapsed as ``split_sentences`` does, and the page starts moved to match.

    A page start inside a word (a word cut across a page break) stays inside
    it; one on whitespace moves to the next word.
    """
    collapsed = " ".join(text.split())
    if collapsed == text:
        return text, list(page_starts)  # the usual case: lines come from extraction already collapsed
    tokens = list(re.finditer(r"\S+", text))
    old_starts = [token.start() for token in tokens]
    new_starts, position = [], 0
    for token in tokens:
        new_starts.append(position)
        position += len(token.group()) + 1
    moved = []
    for offset, page in page_starts:
        index = bisect.bisect_right(old_starts, offset) - 1
        if index >= 0 and offset < tokens[index].end():
            new = new_starts[index] + offset - old_starts[index]
        else:
            new = new_starts[index + 1] if index + 1 < len(tokens) else len(collapsed)
        moved.append((new, page))
    return collapsed, moved or [(0, 1)]


def _sentence_spans(text):
    """``(start, end)`` of each sentence of a whitespace-collapsed paragraph."""
    start = 0
    for match in _CANDIDATE.finditer(text):
        if match.end() >= len(text) or not _HAS_WORD.search(text, match.end()):
            break  # What is left ("»" after ". ") belongs to the sentence it closes.
        if _ends_sentence(text, match):
            yield start, match.end("close")
            start = match.end()
    if start < len(text):
        yield start, len(text)


def _ends_sentence(text, match):
    punct = match.group("punct")
    following = text[match.end() : match.end() + 40].lstrip(_OPENERS + " ")
    next_is_lower = following[:1].islower()
    next_opens_dialogue = text.startswith(_DIALOGUE_OPENERS, match.end())
    if "?" in punct or "!" in punct:
        # "« Viens-tu ? demanda-t-il." : a lowercase word continues the sentence.
        return not next_is_lower
    if "…" in punct or len(punct) > 1:
        return next_opens_dialogue or not next_is_lower
    if next_is_lower:
        return False  # A point followed by lowercase is an abbreviation we do not know.
    word = _word_before(text, match.start())
    folded = word.casefold()
    if folded in _CLOSES_WHEN_CAPITAL_FOLLOWS:
        return True
    if folded in _ABBREVIATIONS:
        return False
    if len(word) == 1 and word.isupper():
        return False  # An initial: "J. Verne".
    return not _DOTTED.fullmatch(word)


def _word_before(text, end):
    """The word just before ``end``, without the brackets or quotes that open it."""
    start = text.rfind(" ", 0, end) + 1
    return text[start:end].lstrip(_OPENERS)
