"""Read an uploaded PDF novel page by page and yield its clean paragraphs.

Two entry points: ``inspect_pdf`` rejects a bad upload cheaply while the web
request is still open, and ``iter_paragraphs`` streams the text of a good one
to the worker. Only one page of text (plus a small window used to spot running
headers) is held in memory at a time, so a 500-page book costs little more than
a 5-page one. Every way an upload can be unreadable ends in ``InvalidPdf`` with
a message for the learner and a ``reason`` code for machines.
"""

import contextlib
import itertools
import statistics

import pypdf
from pypdf.errors import FileNotDecryptedError, LimitReachedError
from pypdf.generic import ArrayObject, StreamObject

from novel_pyramid.errors.exceptions import InvalidPdf, PayloadTooLarge
from novel_pyramid.pipeline.layout import (
    ends_sentence,
    normalise_characters,
    paragraphs_with_pages,
    strip_running_lines,
)

DEFAULT_MAX_PAGES = 2000

# A page of a novel is a few kilobytes of content stream and a few thousand
# characters; these bounds are two orders of magnitude above that and still
# small enough that a decompression bomb is stopped after milliseconds.
MAX_DECODED_STREAM_BYTES = 8 * 1024 * 1024
MAX_PAGE_CHARACTERS = 200_000
MAX_DOCUMENT_CHARACTERS = 20_000_000
# Parsing content is what takes time: pypdf reads 1 to 8 MB/s of it. A novel
# page decodes to 10 to 50 kB, a 500-page book to 5 to 25 MB, so these
# bounds pass any novel yet stop a crafted file within some 20 seconds.
MAX_PAGE_CONTENT_BYTES = 2 * 1024 * 1024
MAX_DOCUMENT_CONTENT_BYTES = 32 * 1024 * 1024

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
    # Novels seldom draw form XObjects; each one drawn is parsed in full.
    "xform_maximum_invocations_per_extraction": 200,
}


def read_limited(stream, max_size):
    """The bytes of an uploaded file; ``PayloadTooLarge`` when it holds more than ``max_size``."""
    data = stream.read(max_size + 1)
    if len(data) > max_size:
        raise PayloadTooLarge(f"The file is larger than the limit of {max_size} bytes.")
    return data


def inspect_pdf(stream, *, max_pages=DEFAULT_MAX_PAGES):
    """Check that ``stream`` is a readable, unencrypted PDF with text; return its page count.

    Cheap enough for a web request: it parses the cross-reference table and the
    page tree but extracts no text. Raises ``InvalidPdf`` otherwise.
    """
    reader, page_count = _open(stream, max_pages)
    with _reading_pdf():
        holds_text = _may_hold_text(reader)
    if not holds_text:
        raise _image_only()
    stream.seek(0)
    return page_count


def iter_paragraphs(stream, *, max_pages=DEFAULT_MAX_PAGES, fix_hyphenation=True):
    """Yield the paragraphs of the PDF in ``stream`` (binary, seekable), in reading order.

    Lines are joined, end-of-line hyphenation undone (unless
    ``fix_hyphenation`` is false: the hyphens then stay as printed), running
    headers, footers and page numbers dropped, ligatures, apostrophes and odd
    spaces normalised. Raises ``InvalidPdf`` for anything we cannot read; as
    the check for a scanned book (no text at all) can only finish at the end,
    it raises then, having yielded nothing.
    """
    for paragraph in iter_located_paragraphs(stream, max_pages=max_pages, fix_hyphenation=fix_hyphenation):
        yield paragraph.text


def iter_located_paragraphs(stream, *, max_pages=DEFAULT_MAX_PAGES, fix_hyphenation=True):
    """Like ``iter_paragraphs``, yielding ``layout.Paragraph`` items: each text with the pages it was printed on."""
    reader, _ = _open(stream, max_pages)
    pages = strip_running_lines(_iter_page_lines(reader))
    found_text = False
    for paragraph in paragraphs_with_pages(pages, fix_hyphenation=fix_hyphenation):
        found_text = True
        yield paragraph
    if not found_text:
        raise _image_only()


def _open(stream, max_pages):
    """Return ``(reader, page_count)`` after every check that needs no text extraction."""
    _check_magic(stream)
    with _reading_pdf():
        reader = pypdf.PdfReader(stream)
        if reader.is_encrypted:
            raise _encrypted()
        page_count = len(reader.pages)
    if page_count == 0:
        raise InvalidPdf("This PDF has no pages.", reason="no_pages")
    if page_count > max_pages:
        raise InvalidPdf(
            f"This PDF has {page_count} pages; the limit is {max_pages}.",
            reason="too_many_pages",
            pages=page_count,
            max_pages=max_pages,
        )
    return reader, page_count


@contextlib.contextmanager
def _reading_pdf(page=None):
    """Run pypdf under our limits and turn whatever it raises into ``InvalidPdf``."""
    try:
        with pypdf.apply_configuration(**_PYPDF_LIMITS):
            yield
    except InvalidPdf:
        raise
    except FileNotDecryptedError as error:
        raise _encrypted() from error
    except LimitReachedError as error:
        raise _bomb(page) from error
    except Exception as error:
        # pypdf signals malformed input with many exception types (its own,
        # but also ValueError, KeyError, IndexError...). Any of them means the
        # same thing to the learner: the file is damaged.
        where = f"Page {page} of this PDF is damaged" if page else "This PDF is damaged or incomplete"
        raise InvalidPdf(
            f"{where} (was the upload cut short?); please export it again.",
            reason="corrupt",
            page=page,
        ) from error


def _check_magic(stream):
    stream.seek(0)
    head = stream.read(1024)
    stream.seek(0)
    if not head:
        raise InvalidPdf("The uploaded file is empty.", reason="empty_file")
    # The specification allows junk before the header, and some tools write a
    # little; 1 KiB is the margin Acrobat accepts.
    if b"%PDF-" not in head:
        raise InvalidPdf("This file is not a PDF.", reason="not_pdf")


def _iter_page_lines(reader):
    """Yield each page's text as a list of normalised lines, one page at a time.

    An empty line is inserted where the layout shows a paragraph break.
    """
    total_content = 0
    total_characters = 0
    for number, page in enumerate(reader.pages, start=1):
        collector = _LineCollector()
        with _reading_pdf(page=number):
            streams = _content_streams(page)
            # Measured before parsing, the slow part; pypdf keeps the decoded
            # data for the parse that follows.
            content = sum(len(stream.get_data()) for stream in streams)
            total_content += content
            if content > MAX_PAGE_CONTENT_BYTES or total_content > MAX_DOCUMENT_CONTENT_BYTES:
                raise _bomb(page=number)
            page.extract_text(visitor_text=collector.visit)
            _forget_decoded(streams)
        total_characters += collector.characters
        if collector.characters > MAX_PAGE_CHARACTERS or total_characters > MAX_DOCUMENT_CHARACTERS:
            raise _bomb(page=number)
        yield collector.lines_with_breaks()


def _content_streams(page):
    """The stream objects that make up the page's content."""
    contents = page.get("/Contents")
    contents = contents.get_object() if contents is not None else []
    streams = contents if isinstance(contents, ArrayObject) else [contents]
    return [stream.get_object() for stream in streams if isinstance(stream.get_object(), StreamObject)]


def _forget_decoded(streams):
    """Drop pypdf's cached decoded copy of a page's content once the page is read.

    pypdf would otherwise keep every page's decoded content until the reader
    goes, and memory would grow with the book. ``decoded_self`` is where
    pypdf 5 to 7 keep it; should it move, this does nothing and the content
    budget still bounds memory.
    """
    for stream in streams:
        if getattr(stream, "decoded_self", None) is not None:
            stream.decoded_self = None


# A paragraph's first line is indented, or the paragraph is set off by extra
# leading. Either shows only after a line that ends a sentence: breaking
# elsewhere would cut a sentence in two, a worse error than a missed break.
_INDENT_POINTS = 3.0
_GAP_RATIO = 1.25


class _LineCollector:
    """Gathers a page's text from pypdf's visitor, with where on the page each line starts.

    pypdf hands the visitor exactly the text ``extract_text`` returns, chunk by
    chunk, with the text and current transformation matrices of each chunk.
    """

    def __init__(self):
        self.chunks = []
        self.starts = {}  # line index -> (x, y) in user space of its first text
        self.line = 0
        self.characters = 0

    def visit(self, text, cm, tm, font_dictionary, font_size):
        if not text:
            return
        self.chunks.append(text)
        self.characters += len(text)
        first, *others = text.split("\n")
        if first.strip() and self.line not in self.starts:
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            self.starts[self.line] = (x, y)
        self.line += len(others)

    def lines_with_breaks(self):
        """The page's lines, normalised, with an empty line before each paragraph the layout shows."""
        raw = normalise_characters("".join(self.chunks)).split("\n")
        lines = [" ".join(line.split()) for line in raw]
        placed = [index for index, line in enumerate(lines) if line and index in self.starts]
        if len(placed) < 3:
            return lines
        left = min(self.starts[index][0] for index in placed)
        steps = [self.starts[a][1] - self.starts[b][1] for a, b in itertools.pairwise(placed)]
        pitch = statistics.median([step for step in steps if step > 0] or [0])
        breaks = set()
        written = [index for index, line in enumerate(lines) if line]
        for previous, index in itertools.pairwise(written):
            if previous in self.starts and index in self.starts and ends_sentence(lines[previous]):
                x, y = self.starts[index]
                indented = x - left > _INDENT_POINTS
                spaced = pitch > 0 and self.starts[previous][1] - y > _GAP_RATIO * pitch
                if indented or spaced:
                    breaks.add(index)
        result = []
        for index, line in enumerate(lines):
            if index in breaks:
                result.append("")
            result.append(line)
        return result


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
        reason="encrypted",
    )


def _bomb(page=None):
    where = f" on page {page}" if page else ""
    return InvalidPdf(
        f"This PDF holds far more data{where} than a book page can; it was refused as a possible decompression bomb.",
        reason="too_large_content",
        page=page,
    )


def _image_only():
    return InvalidPdf(
        "This PDF contains no text we can read (is it a scan made of images?). "
        "Please upload a PDF with selectable text.",
        reason="no_text",
    )
