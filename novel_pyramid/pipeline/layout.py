"""From the lines of each page to the paragraphs of the book.

Pure text work, separate from PDF reading so it can be tested on strings:
character normalisation, removal of running headers, footers and page
numbers, and the joining of lines into paragraphs with end-of-line
hyphenation undone. A page is a list of lines; an empty line marks a
paragraph break the page layout made certain (a vertical gap, an indent).
"""

import bisect
import math
import re
from collections import deque
from typing import NamedTuple

from novel_pyramid.pipeline import french

# --- Characters -----------------------------------------------------------

# Typographic ligatures become their letters (pypdf copies them from fonts
# that map them to one code point). œ and æ are French letters and stay.
# Curly and modifier apostrophes become the ASCII one so "l’homme" and
# "l'homme" are the same word downstream; odd spaces become plain spaces.
_CHARACTER_TABLE = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb05": "st",
        "\ufb06": "st",
        "\u2019": "'",
        "\u02bc": "'",
        "\u2018": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2007": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u200b": "",
        "\ufeff": "",
    }
)
_SOFT_HYPHEN = "\u00ad"


def normalise_characters(text):
    """Replace ligatures, typographic apostrophes and non-breaking spaces by plain characters."""
    return text.translate(_CHARACTER_TABLE)


# --- Running headers, footers and page numbers -------------------------------

EDGE_DEPTH = 2  # lines at the top and at the bottom of a page that may be running
RUNNING_WINDOW = 4  # pages on each side compared with a page to spot its running lines

_DIGITS = re.compile(r"\d+")
# Roman numerals are left out: alone on a line they are more often a chapter
# number than a folio, and front matter is not what learners read.
_LONE_PAGE_NUMBER = re.compile(r"[\W_]*\d{1,4}[\W_]*")


def _edge_key(line):
    """What a running line looks like on every page: digits folded, case and spaces ignored."""
    if _LONE_PAGE_NUMBER.fullmatch(line):
        return "#"
    return _DIGITS.sub("#", line).casefold().replace(" ", "")


def _edges(lines):
    body = [line for line in lines if line]
    top = {_edge_key(line) for line in body[:EDGE_DEPTH]}
    bottom = {_edge_key(line) for line in body[-EDGE_DEPTH:]}
    return top, bottom


def strip_running_lines(pages, *, window=RUNNING_WINDOW):
    """Drop headers, footers and page numbers from an iterable of pages (lists of lines).

    A line at the top (or bottom) of a page is running when, digits folded,
    it also stands at the top (bottom) of at least 40% of the pages within
    ``window`` pages of it, and of two pages at least: alternating left and
    right headers still qualify, a chapter title does not. A lone number at an
    edge is always a page number. Pages stream through a small look-ahead.
    """
    buffer = deque()  # (lines, top keys, bottom keys) for pages [first, first + len)
    first = 0
    current = 0
    for lines in pages:
        buffer.append((lines, *_edges(lines)))
        if len(buffer) > 2 * window + 1:
            buffer.popleft()
            first += 1
        if current + window < first + len(buffer):
            yield _strip_page(buffer, current - first, window)
            current += 1
    while current < first + len(buffer):
        yield _strip_page(buffer, current - first, window)
        current += 1


def _strip_page(buffer, index, window):
    lines = _trim_blank(buffer[index][0])
    neighbours = [
        entry for position, entry in enumerate(buffer) if position != index and abs(position - index) <= window
    ]
    needed = max(2, math.ceil(0.4 * len(neighbours)))

    def is_running(line, side):
        key = _edge_key(line)
        if key == "#":
            return True
        return sum(key in entry[side] for entry in neighbours) >= needed

    start, end = 0, len(lines)
    while start < min(EDGE_DEPTH, end) and is_running(lines[start], 1):
        start += 1
    while end > max(start, len(lines) - EDGE_DEPTH) and is_running(lines[end - 1], 2):
        end -= 1
    return _trim_blank(lines[start:end])


def _trim_blank(lines):
    """Drop blank lines at both ends: a blank at a page edge is not a paragraph break."""
    start, end = 0, len(lines)
    while start < end and not lines[start]:
        start += 1
    while end > start and not lines[end - 1]:
        end -= 1
    return lines[start:end]


# --- Paragraphs --------------------------------------------------------------

# A paragraph's last line ends a sentence and falls short of the margin; a
# line much shorter than the margin (a title) ends a paragraph whatever its
# last character when a capital follows. Full lines measure the margin, page
# after page. The page layout adds surer breaks as blank lines.
_SENTENCE_END = re.compile(r"[.!?…][\s»\"”)\]]*$")
_DIALOGUE_START = ("—", "–", "«", "-")
_SHORT_LINE = 0.85
_TITLE_LINE = 0.6

# What may follow a real hyphen: inverted and imperative pronouns, the
# euphonic "t" ("demanda-t-il"), "ce", "ci", "là", "même"... Tails that are also
# syllables of ordinary words ("bel-le", "for-ce") are told apart by the
# lexicon: the joined word exists.
_HYPHEN_TAILS = frozenset(
    (
        "t", "il", "ils", "elle", "elles", "on", "je", "tu", "nous", "vous", "moi", "toi", "lui", "leur", "le",
        "la", "les", "y", "en", "ce", "ci", "là", "même", "mêmes", "à", "uns", "unes",
    )
)  # fmt: skip
# Second halves of compounds kept even when the lexicon knows neither spelling.
_COMPOUND_TAILS = frozenset(
    ("être", "bas", "haut", "dessus", "dessous", "delà", "deçà", "devant", "dedans", "dehors", "midi")
)
_NUMBER_WORDS = frozenset(
    (
        "un", "une", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze", "douze",
        "treize", "quatorze", "quinze", "seize", "dix-sept", "vingt", "vingts", "trente", "quarante",
        "cinquante", "soixante", "cent", "cents", "mille",
    )
)  # fmt: skip
# Elided words that end a line without a space: "aujourd'" / "hui", "l'" / "homme".
_ELISIONS = frozenset(
    (
        "l'", "d'", "j'", "m'", "t'", "s'", "n'", "c'", "qu'", "jusqu'", "lorsqu'", "puisqu'", "quoiqu'",
        "presqu'", "quelqu'", "aujourd'",
    )
)  # fmt: skip
_TRAILING_PUNCTUATION = ',;:.!?…»"”)]'


def ends_sentence(line):
    """Whether ``line`` ends with sentence-final punctuation (closing quotes allowed)."""
    return bool(_SENTENCE_END.search(line))


class Paragraph(NamedTuple):
    """A paragraph's text and where its pages begin in it: ``((offset, page number), ...)``, offsets ascending.

    The first entry is ``(0, the page the paragraph starts on)``; a paragraph
    running across a page break has one entry more per page it reaches.
    """

    text: str
    page_starts: tuple

    def page_at(self, offset):
        """The number of the page the character at ``offset`` was printed on."""
        index = bisect.bisect_right([start for start, _ in self.page_starts], offset) - 1
        return self.page_starts[max(index, 0)][1]


def paragraphs_from_pages(pages, *, fix_hyphenation=True):
    """Join the lines of consecutive pages (lists of lines) into paragraphs (str).

    A paragraph may run across a page break. Hyphenation at a line end is
    undone unless the hyphen belongs to the word (``demanda-t-il``,
    ``Jean-François``, ``peut-être``); with ``fix_hyphenation`` false, every
    line-end hyphen stays as printed and the two halves are joined around it.
    """
    for paragraph in paragraphs_with_pages(pages, fix_hyphenation=fix_hyphenation):
        yield paragraph.text


def paragraphs_with_pages(pages, *, fix_hyphenation=True, first_page=1):
    """Like ``paragraphs_from_pages``, yielding ``Paragraph`` items; pages are numbered from ``first_page``."""
    parts = []
    marks = []  # (index in parts, page number) where each page's text begins
    margin = 0
    after_short_line = False
    for number, lines in enumerate(pages, start=first_page):
        lengths = sorted(len(line) for line in lines if line)
        if len(lengths) >= 5:
            margin = lengths[int(0.8 * len(lengths))]
        for line in lines:
            if not line:
                if parts:
                    yield _finish(parts, marks)
                    parts, marks = [], []
                continue
            if parts and _starts_paragraph(line, parts[-1], after_short_line):
                yield _finish(parts, marks)
                parts, marks = [], []
            if not marks or marks[-1][1] != number:
                marks.append((len(parts), number))
            if parts:
                _append_line(parts, line, fix_hyphenation)
            else:
                parts.append(line)
            short = bool(margin) and not line.endswith(("-", _SOFT_HYPHEN))
            after_short_line = short and len(line) < _TITLE_LINE * margin
            if short and len(line) < _SHORT_LINE * margin and ends_sentence(line):
                yield _finish(parts, marks)
                parts, marks = [], []
    if parts:
        yield _finish(parts, marks)


def _starts_paragraph(line, previous, after_short_line):
    """Whether ``line`` opens a new paragraph although no blank line or short sentence end says so."""
    if line.startswith(_DIALOGUE_START) and ends_sentence(previous):
        return True
    # After a title, however punctuated, the text starts with a capital; a
    # short line followed by lowercase is a line pypdf cut (a superscript).
    return after_short_line and not line[:1].islower()


def _finish(parts, marks):
    # Soft hyphens left inside lines mark where a word could have been cut: not
    # text. Each part is cleaned alone, so the page marks' offsets follow.
    cleaned = [part.replace(_SOFT_HYPHEN, "") for part in parts]
    offsets = [0]
    for part in cleaned:
        offsets.append(offsets[-1] + len(part))
    return Paragraph("".join(cleaned), tuple((offsets[index], page) for index, page in marks))


def _append_line(parts, line, fix_hyphenation=True):
    """Append ``line`` to a paragraph's ``parts``, mending a word cut at the previous line end.

    Without ``fix_hyphenation`` a cut word keeps its hyphen (a soft hyphen
    shows as the hyphen it was printed as): ``deman-`` / ``da`` -> ``deman-da``.
    """
    previous = parts[-1]
    if previous.endswith(_SOFT_HYPHEN):
        parts[-1] = previous[:-1] if fix_hyphenation else previous[:-1] + "-"
        parts.append(line)
    elif previous.endswith("-") and len(previous) > 1 and previous[-2].isalnum():
        if fix_hyphenation and not _hyphen_belongs_to_word(previous[:-1].rsplit(" ", 1)[-1], line.split(" ", 1)[0]):
            parts[-1] = previous[:-1]
        parts.append(line)
    elif _continues_word(previous, line):
        parts.append(line)
    else:
        parts.append(" ")
        parts.append(line)


def _continues_word(previous, line):
    """Whether ``line`` goes on with the last word of ``previous`` without a space.

    After an elision (``aujourd'`` / ``hui``), or before a hyphen tail the
    typesetter moved to the next line (``demanda`` / ``-t-il``).
    """
    last = previous.rsplit(" ", 1)[-1].casefold()
    if last in _ELISIONS or (last.endswith("'") and last.rsplit("-", 1)[-1] in _ELISIONS):
        return line[:1].isalpha()
    if not (line.startswith("-") and line[1:2].isalpha() and previous[-1:].isalpha()):
        return False
    tail = line[1:].split(" ", 1)[0].split("-", 1)[0].rstrip(_TRAILING_PUNCTUATION).casefold()
    return tail in _HYPHEN_TAILS or tail in _COMPOUND_TAILS


def _hyphen_belongs_to_word(left, right):
    """Whether the hyphen between ``left`` (end of a line, hyphen removed) and ``right`` (start of the next) is real.

    ``left`` is the last word of the line (``deman``, ``c'est-à``), ``right``
    the first of the next (``da-t-il.``). The French lexicon decides between
    the joined spelling (``demanda-t-il``) and the hyphenated one
    (``peut-être``). A name or a number after the hyphen keeps it
    (``Jean-François``, ``1914-1918``): it is never glued to the word before.
    """
    head = left.rsplit("-", 1)[-1]
    tail = right.split("-", 1)[0].rstrip(_TRAILING_PUNCTUATION)
    if not tail[:1].isalpha() or not head[:1].isalpha():
        return True  # "1914-/1918", "3-/4", a dash before punctuation
    if tail[0].isupper() or any(character.isdigit() for character in head + tail):
        return True  # "Jean-/François", "Saint-/Honoré": a name after a hyphen is never glued on
    # From here a lowercase tail: after a capital it is a name cut by syllables
    # ("Lefè-/vre") or a sentence's first word ("Sem-/ble-t-il"), as any word.
    head, tail = head.casefold(), tail.casefold()
    if head == "t" or ("-" in left and head in _HYPHEN_TAILS):
        return True  # "demanda-t-/il", "c'est-à-/dire": the break follows a hyphen tail
    joined, hyphenated = head + tail, f"{head}-{tail}"
    whole = f"{left}-{right.rstrip(_TRAILING_PUNCTUATION)}".casefold()
    if _known(whole) or _known(hyphenated):
        return not _known(joined) or hyphenated == whole or tail in _HYPHEN_TAILS
    if _known(joined):
        return False  # "deman-/da-t-il", "bel-/le", "pour-/tant": a syllable break
    if tail in _HYPHEN_TAILS or tail in _COMPOUND_TAILS:
        return True  # "schtroumpfa-/t-il": an inversion after a word the lexicon lacks
    return head in _NUMBER_WORDS and tail in _NUMBER_WORDS  # "vingt-/deux"


def _known(word):
    """Whether ``word`` (case-folded) is a French word form, an elision before one counting too."""
    lexicon = french.lexicon()
    if word in lexicon:
        return True
    elided, apostrophe, rest = word.partition("'")
    return bool(apostrophe and rest) and f"{elided}'" in _ELISIONS and rest in lexicon
