"""Read an uploaded PDF novel page by page and yield its clean paragraphs.

Two entry points: ``inspect_pdf`` rejects a bad upload cheaply while the web
request is still open, and ``iter_paragraphs`` streams the text of a good one
to the worker. Only one page of text (plus a small window used to spot running
headers) is held in memory at a time, so a 500-page book costs little more than
a 5-page one. Every way an upload can be unreadable ends in ``InvalidPdf`` with
a message for the learner and a ``details["reason"]`` code for machines.
"""

import math
import re
from collections import deque

import pypdf
from pypdf.errors import FileNotDecryptedError, LimitReachedError

from novel_pyramid.errors.exceptions import InvalidPdf

DEFAULT_MAX_PAGES = 2000

# A page of a novel is a few kilobytes of content stream and a few thousand
# characters; these bounds are two orders of magnitude above that and still
# small enough that a decompression bomb is stopped after milliseconds.
MAX_DECODED_STREAM_BYTES = 8 * 1024 * 1024
MAX_PAGE_CHARACTERS = 200_000
MAX_DOCUMENT_CHARACTERS = 20_000_000

# pypdf guards every decoder with a configurable output cap; ours are much
# tighter than its 75 MB defaults. The recovery cap bounds pypdf's byte-by-byte
# retry of a damaged Flate stream, which is slow on large inputs.
_PYPDF_LIMITS = {
    "zlib_maximum_output_length": MAX_DECODED_STREAM_BYTES,
    "zlib_maximum_recovery_input_length": 1_000_000,
    "lzw_maximum_output_length": MAX_DECODED_STREAM_BYTES,
    "run_length_maximum_output_length": MAX_DECODED_STREAM_BYTES,
    "brotli_maximum_output_length": MAX_DECODED_STREAM_BYTES,
    "array_based_stream_maximum_output_length": MAX_DECODED_STREAM_BYTES,
    "stream_decoding_work_maximum_length": 4 * MAX_DECODED_STREAM_BYTES,
}


def inspect_pdf(stream, *, max_pages=DEFAULT_MAX_PAGES):
    """Check that ``stream`` is a readable, unencrypted PDF with text; return its page count.

    Cheap enough for a web request: it parses the cross-reference table and the
    page tree but extracts no text. Raises ``InvalidPdf`` otherwise.
    """
    reader, page_count = _open(stream, max_pages)
    if not _may_hold_text(reader):
        raise _image_only()
    stream.seek(0)
    return page_count


def iter_paragraphs(stream, *, max_pages=DEFAULT_MAX_PAGES):
    """Yield the paragraphs of the PDF in ``stream`` (binary, seekable), in reading order.

    Lines are joined, end-of-line hyphenation undone, running headers, footers
    and page numbers dropped, ligatures, apostrophes and odd spaces normalised.
    Raises ``InvalidPdf`` for anything we cannot read; as the check for a
    scanned book (no text at all) can only finish at the end, it raises then,
    having yielded nothing.
    """
    reader, _ = _open(stream, max_pages)
    pages = strip_running_lines(_iter_page_lines(reader))
    found_text = False
    for paragraph in paragraphs_from_pages(pages):
        found_text = True
        yield paragraph
    if not found_text:
        raise _image_only()


def _open(stream, max_pages):
    """Return ``(reader, page_count)`` after every check that needs no text extraction."""
    _check_magic(stream)
    try:
        with pypdf.apply_configuration(**_PYPDF_LIMITS):
            reader = pypdf.PdfReader(stream)
            if reader.is_encrypted:
                raise _encrypted()
            page_count = len(reader.pages)
    except InvalidPdf:
        raise
    except FileNotDecryptedError as error:
        raise _encrypted() from error
    except LimitReachedError as error:
        raise _bomb() from error
    except Exception as error:
        # pypdf signals malformed input with many exception types (its own,
        # but also ValueError, KeyError, IndexError...). Any of them means the
        # same thing to the learner: the file is damaged.
        raise InvalidPdf(
            "This PDF is damaged or incomplete (was the upload cut short?); "
            "please export it again.",
            details={"reason": "corrupt"},
        ) from error
    if page_count == 0:
        raise InvalidPdf("This PDF has no pages.", details={"reason": "no_pages"})
    if page_count > max_pages:
        raise InvalidPdf(
            f"This PDF has {page_count} pages; the limit is {max_pages}.",
            details={"reason": "too_many_pages", "pages": page_count, "max_pages": max_pages},
        )
    return reader, page_count


def _check_magic(stream):
    stream.seek(0)
    head = stream.read(1024)
    stream.seek(0)
    if not head:
        raise InvalidPdf("The uploaded file is empty.", details={"reason": "empty_file"})
    # The specification allows junk before the header, and some tools write a
    # little; 1 KiB is the margin Acrobat accepts.
    if b"%PDF-" not in head:
        raise InvalidPdf("This file is not a PDF.", details={"reason": "not_pdf"})


def _iter_page_lines(reader):
    """Yield each page's text as a list of normalised lines, one page at a time."""
    total_characters = 0
    for number, page in enumerate(reader.pages, start=1):
        try:
            with pypdf.apply_configuration(**_PYPDF_LIMITS):
                text = page.extract_text()
        except LimitReachedError as error:
            raise _bomb(page=number) from error
        except Exception as error:  # Same reasoning as in _open.
            raise InvalidPdf(
                f"Page {number} of this PDF is damaged; please export it again.",
                details={"reason": "corrupt", "page": number},
            ) from error
        total_characters += len(text)
        if len(text) > MAX_PAGE_CHARACTERS or total_characters > MAX_DOCUMENT_CHARACTERS:
            raise _bomb(page=number)
        yield [" ".join(line.split()) for line in normalise_characters(text).split("\n")]


def _may_hold_text(reader):
    """Whether any page uses a font: a scanned book draws only images.

    A page that draws a form XObject might hide its fonts inside it, so such a
    page counts as possibly holding text; the full check happens on extraction.
    """
    for page in reader.pages:
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else {}
        if resources.get("/Font"):
            return True
        xobjects = resources.get("/XObject")
        xobjects = xobjects.get_object() if xobjects is not None else {}
        for xobject in xobjects.values():
            if xobject.get_object().get("/Subtype") == "/Form":
                return True
    return False


def _encrypted():
    return InvalidPdf(
        "This PDF is password-protected; please upload an unprotected copy.",
        details={"reason": "encrypted"},
    )


def _bomb(page=None):
    where = f" on page {page}" if page else ""
    return InvalidPdf(
        f"This PDF holds far more data{where} than a book page can; it was refused "
        "as a possible decompression bomb.",
        details={"reason": "too_large_content", "page": page},
    )


def _image_only():
    return InvalidPdf(
        "This PDF contains no text we can read (is it a scan made of images?). "
        "Please upload a PDF with selectable text.",
        details={"reason": "no_text"},
    )


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
# last character. Full lines measure the margin, page after page.
_SENTENCE_END = re.compile(r"[.!?…][\s»\"”)\]]*$")
_DIALOGUE_START = ("—", "–", "«", "-")
_SHORT_LINE = 0.85
_TITLE_LINE = 0.6

# Second halves of compounds that may be split after their hyphen at a line
# end: keep the hyphen when the next line starts with one of these. Tails that
# are also common word endings ("bel-le", "cou-leur", "pré-dire") are left
# out: a syllable break is far more frequent than "donne-/le".
_COMPOUND_TAILS = frozenset(
    (
        "t", "il", "ils", "elle", "elles", "on", "je", "tu", "nous", "vous", "moi", "toi",
        "lui", "y", "en", "ce", "ci", "là", "être", "même", "mêmes", "bas", "haut", "dessus",
        "dessous", "delà", "deçà", "devant", "dedans", "dehors", "midi",
    )
)


def paragraphs_from_pages(pages):
    """Join the lines of consecutive pages (lists of lines) into paragraphs.

    A paragraph may run across a page break. Hyphenation at a line end is
    undone unless the hyphen belongs to the word (``demanda-t-il``,
    ``Jean-François``, ``peut-être``).
    """
    parts = []
    margin = 0
    for lines in pages:
        lengths = sorted(len(line) for line in lines if line)
        if len(lengths) >= 5:
            margin = lengths[int(0.8 * len(lengths))]
        for line in lines:
            if not line:
                if parts:
                    yield "".join(parts)
                    parts = []
                continue
            if parts and line.startswith(_DIALOGUE_START) and _SENTENCE_END.search(parts[-1]):
                yield "".join(parts)
                parts = []
            if parts:
                _append_line(parts, line)
            else:
                parts.append(line)
            if _ends_paragraph(line, margin):
                yield "".join(parts)
                parts = []
    if parts:
        yield "".join(parts)


def _ends_paragraph(line, margin):
    if not margin or line.endswith(("-", _SOFT_HYPHEN)):
        return False
    if len(line) < _TITLE_LINE * margin:
        return True
    return len(line) < _SHORT_LINE * margin and bool(_SENTENCE_END.search(line))


def _append_line(parts, line):
    """Append ``line`` to a paragraph's ``parts``, mending a word cut at the previous line end."""
    previous = parts[-1]
    if previous.endswith(_SOFT_HYPHEN):
        parts[-1] = previous[:-1]
        parts.append(line)
    elif previous.endswith("-") and len(previous) > 1 and previous[-2].isalnum():
        if not _hyphen_belongs_to_word(line):
            parts[-1] = previous[:-1]
        parts.append(line)
    else:
        parts.append(" ")
        parts.append(line)


def _hyphen_belongs_to_word(next_line):
    """Whether a hyphen at a line end is part of the word rather than a syllable break."""
    fragment = next_line.split(" ", 1)[0]
    if not fragment[:1].isalpha() or fragment[0].isupper():
        return True  # "Jean-/François", "1914-/1918": never a syllable break
    if "-" in fragment.strip("-"):
        return True  # "t-il", "à-dire", "en-ciel": the rest of a compound
    head = re.split(r"[^\w]", fragment, maxsplit=1)[0].casefold()
    return head in _COMPOUND_TAILS
