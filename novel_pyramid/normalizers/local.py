"""The offline normaliser: cut long sentences at clause boundaries, without a model.

It never rewrites words: it only chooses where to cut, capitalises the first
letter of each new piece, closes each piece with a point and drops the comma,
semicolon or colon left dangling at a cut. The Gemini normaliser uses
``split_sentence`` as its fallback for any sentence the model leaves too long.
"""

import itertools
import re

from zope.interface import implementer

from novel_pyramid.normalizers.interfaces import INormalizer

# Boundary strengths, strongest first. A cut is made at the strongest kind of
# boundary available, so pieces read as clauses whenever the sentence has any.
_AFTER_SEMICOLON = 3  # after ";" or ":"
_AFTER_COMMA = 2  # after "," or a mid-sentence "…", "?", "!", before a dash
_BEFORE_CONJUNCTION = 1  # before "mais", "parce que", "qui"...
_ANYWHERE = 0  # between two words

_CONJUNCTIONS = frozenset(
    (
        "mais",
        "et",
        "ou",
        "donc",
        "car",
        "puis",
        "ni",
        "or",
        "quand",
        "lorsque",
        "puisque",
        "quoique",
        "comme",
        "si",
        "qui",
        "que",
        "dont",
        "où",
        "tandis",
        "alors",
        "parce",
        "pendant",
        "afin",
        "bien",
        "sans",
        "avant",
        "après",
        "dès",
        "ainsi",
    )
)
# These head a two-word conjunction only when "que" follows ("parce que").
_NEEDS_QUE = frozenset(
    ("tandis", "alors", "parce", "pendant", "afin", "bien", "sans", "avant", "après", "dès", "ainsi")
)
_ELIDED_CONJUNCTIONS = ("qu'", "lorsqu'", "puisqu'", "quoiqu'")
_RELATIVES = frozenset(("que", "qu'", "qui", "dont"))
_BOUND_BEFORE_RELATIVE = _NEEDS_QUE | {"ce", "c'"}

# Words that lean on the next one: a cut right after them reads badly.
_CLINGING_WORDS = frozenset(
    (
        "le",
        "la",
        "les",
        "l'",
        "un",
        "une",
        "des",
        "du",
        "de",
        "d'",
        "à",
        "au",
        "aux",
        "en",
        "et",
        "ou",
        "que",
        "qu'",
        "qui",
        "ne",
        "n'",
        "se",
        "s'",
        "sa",
        "son",
        "ses",
        "mon",
        "ma",
        "mes",
        "ton",
        "ta",
        "tes",
        "notre",
        "nos",
        "votre",
        "vos",
        "leur",
        "ce",
        "cet",
        "cette",
        "ces",
        "je",
        "j'",
        "tu",
        "il",
        "elle",
        "on",
        "nous",
        "vous",
        "ils",
        "elles",
        "pour",
        "par",
        "sur",
        "dans",
        "avec",
        "sans",
        "sous",
        "très",
        "plus",
        "si",
    )
)

_HAS_WORD = re.compile(r"\w")
_OPENER_ONLY = re.compile(r"[«“\"'(\[—–-]+")
_PIECE_END = re.compile(r"[.!?…](?:\s?[»”\"')\]])*$")
_DANGLING = ",;:"
_CLOSERS = "»”\"')]"
_FIRST_ALNUM = re.compile(r"[^\W_]")


def split_sentence(sentence, limit):
    """Cut ``sentence`` into pieces of 1 to ``limit`` words each (``count_words`` rule).

    A sentence within the limit comes back unchanged, alone in the list. Words
    keep their order and spelling; see the module docstring for the only edits.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    tokens = sentence.split()
    # A whitespace-separated token counts as one word exactly when it holds a
    # letter or a digit: that is what count_words' pattern matches.
    is_word = [_HAS_WORD.search(token) is not None for token in tokens]
    if sum(is_word) <= limit:
        return [sentence]
    words_before = [0]
    for flag in is_word:
        words_before.append(words_before[-1] + flag)
    strengths = _boundary_strengths(tokens, is_word)
    cuts = []
    tokens_folded = [token.casefold() for token in tokens]
    _choose_cuts(0, len(tokens), limit, words_before, strengths, tokens_folded, cuts)
    edges = [0, *sorted(cuts), len(tokens)]
    return [_finish_piece(tokens[lo:hi], first=lo == 0) for lo, hi in itertools.pairwise(edges)]


def _boundary_strengths(tokens, is_word):
    """Strength of a cut before each token, or None where a cut would tear words from their punctuation."""
    strengths = [None] * (len(tokens) + 1)
    for index in range(1, len(tokens)):
        before, token = tokens[index - 1], tokens[index]
        # Quotes and dashes stay with their words: no cut after an opening
        # mark, nor before a token of closing punctuation alone.
        if _OPENER_ONLY.fullmatch(before) or not (is_word[index] or _OPENER_ONLY.fullmatch(token)):
            continue
        before = _text_before_closers(tokens, index)
        if before.endswith((";", ":")):
            strengths[index] = _AFTER_SEMICOLON
        elif before.endswith((",", "…", "?", "!")) or token in ("—", "–"):
            strengths[index] = _AFTER_COMMA
        elif _starts_conjunction(tokens, index):
            strengths[index] = _BEFORE_CONJUNCTION
        else:
            strengths[index] = _ANYWHERE
    return strengths


def _text_before_closers(tokens, index):
    """The token before ``index`` with closing quotes dropped, looking past tokens that are only quotes."""
    position = index - 1
    while position > 0 and not tokens[position].rstrip(_CLOSERS):
        position -= 1
    return tokens[position].rstrip(_CLOSERS)


def _starts_conjunction(tokens, index):
    folded = tokens[index].casefold()
    if folded.startswith(_ELIDED_CONJUNCTIONS):
        head = folded.split("'", 1)[0] + "'"
    else:
        head = folded.strip(',;:.!?…»«"()')
        if head not in _CONJUNCTIONS:
            return False
        if head in _NEEDS_QUE:
            following = tokens[index + 1].casefold() if index + 1 < len(tokens) else ""
            return following.startswith(("que", "qu'"))
    if head in _RELATIVES:
        # In "parce que", "ce qui", "ce dont" the cut belongs before the word in front.
        return tokens[index - 1].casefold() not in _BOUND_BEFORE_RELATIVE
    return True


def _choose_cuts(lo, hi, limit, words_before, strengths, tokens_folded, cuts):
    """Add to ``cuts`` the token indexes that cut tokens[lo:hi] into pieces within ``limit``."""
    total = words_before[hi] - words_before[lo]
    if total <= limit:
        return
    # Scores compare as tuples: any clause boundary beats a cut between plain
    # words; then the strongest boundary, then one that costs no extra piece,
    # then the most balanced.
    fewest_pieces = -(-total // limit)
    best = None
    best_score = None
    for index in range(lo + 1, hi):
        strength = strengths[index]
        if strength is None:
            continue
        left = words_before[index] - words_before[lo]
        right = total - left
        if left == 0 or right == 0:
            continue
        wasteful = -(-left // limit) + -(-right // limit) > fewest_pieces
        if strength == _ANYWHERE:
            # Between plain words: aim at balanced pieces, but not right after
            # an article or preposition that belongs with the next word.
            target = total * (fewest_pieces // 2 + fewest_pieces % 2) / fewest_pieces
            clings = tokens_folded[index - 1] in _CLINGING_WORDS
            score = (0, not wasteful, -abs(left - target) - 2 * clings)
        else:
            score = (1, strength, not wasteful, -abs(left - right))
        if best_score is None or score > best_score:
            best, best_score = index, score
    if best is None:  # Unreachable: two words always have a cut between them.
        return
    cuts.append(best)
    _choose_cuts(lo, best, limit, words_before, strengths, tokens_folded, cuts)
    _choose_cuts(best, hi, limit, words_before, strengths, tokens_folded, cuts)


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
    """Rule-based normaliser used offline and when no Gemini key is configured."""

    name = "local"
    cache_key = "local:v1"

    @classmethod
    def from_settings(cls, settings):
        """Entry-point factory; the local normaliser needs no settings."""
        return cls()

    def normalize(self, sentences, limit):
        """Return the sentences of one chunk with every long one cut into pieces within ``limit``.

        Blank strings are skipped: they hold no words to keep.
        """
        output = []
        for sentence in sentences:
            if sentence.strip():
                output.extend(split_sentence(sentence, limit))
        return output
