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

import re

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


def split_sentences(paragraphs):
    """Yield the sentences of each paragraph in order; no sentence spans two paragraphs.

    Whitespace inside a sentence is collapsed to single spaces; empty
    paragraphs yield nothing.
    """
    for paragraph in paragraphs:
        yield from _split_paragraph(" ".join(paragraph.split()))


def _split_paragraph(text):
    start = 0
    for match in _CANDIDATE.finditer(text):
        if match.end() >= len(text) or not _HAS_WORD.search(text, match.end()):
            break  # What is left ("»" after ". ") belongs to the sentence it closes.
        if _ends_sentence(text, match):
            yield text[start : match.end("close")]
            start = match.end()
    if start < len(text):
        yield text[start:]


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
