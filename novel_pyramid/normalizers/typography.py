"""The text side of the processing options, shared by every normaliser: dialogue, short pieces, plain typography."""

import re

from novel_pyramid.pipeline.words import count_words

# A sentence of dialogue opens with a guillemet, a curly or straight quote, or a dialogue dash.
DIALOGUE_OPENERS = ("«", "“", '"', "—", "–")

_PLAIN = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "‘": "'",
        "’": "'",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2007": " ",
        "\u2009": " ",
        "…": "...",
        "—": "-",
        "–": "-",
    }
)
_OPENING_GUILLEMET = re.compile(r"«\s*")
_CLOSING_GUILLEMET = re.compile(r"\s*»")
_LEADING_DASH = re.compile(r"^\s*(?:[—–]\s*|-\s+)")
_SPACES = re.compile(r" {2,}")
_FINAL_POINT = re.compile(r"(?<!\.)\.$")
_FIRST_WORD = re.compile(r"[^\W\d_][\w'-]*")
_OPENING_MARKS = ' «“"—–-('


def is_dialogue(sentence):
    """Whether ``sentence`` opens like a line of dialogue (``«``, ``“``, ``"``, ``—`` or ``–``)."""
    return sentence.lstrip().startswith(DIALOGUE_OPENERS)


def plain_typography(text):
    """``text`` in plain typography: straight quotes, no leading dialogue dash, plain spaces, ``...``.

    Guillemets become straight double quotes, with the spaces inside them
    dropped (``« Oui »`` -> ``"Oui"``); curly quotes become straight ones; a
    dialogue dash that opens the sentence goes, any other long dash becomes a
    hyphen; non-breaking spaces become spaces; ``…`` becomes ``...``.
    """
    text = _LEADING_DASH.sub("", text)
    text = _CLOSING_GUILLEMET.sub('"', _OPENING_GUILLEMET.sub('"', text))
    return _SPACES.sub(" ", text.translate(_PLAIN)).strip()


def merge_short_pieces(pieces, source, limit, min_words):
    """``pieces`` of the sentence ``source`` with each one under ``min_words`` words merged into a neighbour.

    The neighbour chosen is the shorter of the two (the previous one on a
    tie), and only when the merged piece stays within ``limit``; a short piece
    no neighbour can take stays as it is. Words are never dropped: merging
    only removes the closing point of the first piece and, when ``source``
    shows the word in lower case, the capital the cut gave the second.
    """
    pieces = list(pieces)
    while len(pieces) > 1:
        merge = _next_merge(pieces, limit, min_words)
        if merge is None:
            break
        first = min(merge)
        pieces[first : first + 2] = [join_pieces(pieces[first], pieces[first + 1], source)]
    return pieces


def _next_merge(pieces, limit, min_words):
    words = [count_words(piece) for piece in pieces]
    for index, count in enumerate(words):
        if count >= min_words:
            continue
        fits = [
            (words[other], other)
            for other in (index - 1, index + 1)
            if 0 <= other < len(pieces) and count + words[other] <= limit
        ]
        if fits:
            return index, min(fits)[1]
    return None


def join_pieces(first, second, source):
    """One sentence of two consecutive pieces of ``source``.

    Where ``source`` holds the two pieces' meeting words side by side, the
    punctuation and case it has there come back (``Il pleuvait.`` +
    ``Les enfants jouaient.`` -> ``Il pleuvait ; les enfants jouaient.``);
    elsewhere (words a model wrote) the first piece loses its closing point
    and the second its capital when ``source`` has the word in lower case.
    """
    first, second = first.strip(), second.strip()
    if not count_words(second) or not count_words(first):
        return f"{first} {second}"
    first = _FINAL_POINT.sub("", first)
    match = _FIRST_WORD.search(second)
    if match is None or second[: match.start()].strip(_OPENING_MARKS):
        return f"{first} {second}"  # the second piece opens with a number or the like: nothing to mend
    word = match.group()
    tail = first.split()[-1]
    meeting = re.search(
        rf"(?<!\S){re.escape(tail)}(?P<gap>[\s,;:]*?\s)(?P<word>{re.escape(word)})(?![\w'-])", source, re.IGNORECASE
    )
    if meeting and not second[: match.start()]:
        return f"{first}{meeting['gap']}{meeting['word']}{second[match.end() :]}"
    if word[0].isupper():
        lowered = word[0].lower() + word[1:]
        if _occurs(lowered, source) and not _occurs(word, source, after_start=True):
            second = second[: match.start()] + lowered + second[match.end() :]
    return f"{first} {second}"


def _occurs(word, text, *, after_start=False):
    """Whether ``word`` stands in ``text`` as a whole word (past its first word when ``after_start``)."""
    for match in re.finditer(rf"(?<![\w'-]){re.escape(word)}(?![\w'-])", text):
        if not after_start or text[: match.start()].strip(_OPENING_MARKS):
            return True
    return False
