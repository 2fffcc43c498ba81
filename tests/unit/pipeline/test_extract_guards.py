"""Every kind of unreadable upload ends in InvalidPdf, early and within bounded memory."""

import io
import os
import tracemalloc

import pytest
from fpdf import FPDF
from PIL import Image

from novel_pyramid.errors.exceptions import InvalidPdf
from novel_pyramid.pipeline.extract import MAX_DECODED_STREAM_BYTES, inspect_pdf, iter_paragraphs
from tests.unit.pipeline.conftest import build_book, flate_stream, handmade_pdf

PAGE = ["Il était une fois un petit garçon qui vivait près de la forêt."]
TEXT_PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 595] /Contents %d 0 R /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>"


def rejection(data, **options):
    """The InvalidPdf raised for ``data`` by inspect_pdf and by iter_paragraphs, which must agree."""
    with pytest.raises(InvalidPdf) as inspected:
        inspect_pdf(io.BytesIO(data), **options)
    with pytest.raises(InvalidPdf) as extracted:
        list(iter_paragraphs(io.BytesIO(data), **options))
    assert inspected.value.reason == extracted.value.reason
    return extracted.value


def test_zero_bytes():
    error = rejection(b"")
    assert error.reason == "empty_file"
    assert "empty" in error.message


@pytest.mark.parametrize("data", [os.urandom(4096), b"Bonjour, ceci est un texte.", b"\x89PNG\r\n\x1a\n" + bytes(100)])
def test_not_a_pdf(data):
    assert rejection(data).reason == "not_pdf"


def test_random_bytes_after_a_pdf_header():
    assert rejection(b"%PDF-1.7\n" + os.urandom(20_000)).reason == "corrupt"


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_truncated_upload(keep):
    data = build_book([PAGE] * 3)
    error = rejection(data[: int(len(data) * keep)])
    assert error.reason == "corrupt"
    assert "damaged or incomplete" in error.message


@pytest.mark.parametrize("password", ["", "secret"])
def test_encrypted_even_with_an_empty_password(password):
    error = rejection(build_book([PAGE], password=password))
    assert error.reason == "encrypted"
    assert "password-protected" in error.message


def test_no_pages():
    assert rejection(handmade_pdf([])).reason == "no_pages"


def test_too_many_pages():
    error = rejection(build_book([PAGE] * 3), max_pages=2)
    assert error.facts == {"reason": "too_many_pages", "pages": 3, "max_pages": 2}


def test_image_only_scan():
    pdf = FPDF()
    for shade in (40, 200):
        pdf.add_page()
        pdf.image(Image.new("L", (60, 80), shade), x=10, y=10, w=100)
    error = rejection(bytes(pdf.output()))
    assert error.reason == "no_text"
    assert "no text" in error.message


def test_page_with_fonts_but_no_text_is_image_only_at_extraction():
    blank = flate_stream([b"BT ET"])
    data = handmade_pdf([TEXT_PAGE % 4], [blank])
    assert inspect_pdf(io.BytesIO(data)) == 1  # Fonts: the cheap check lets it through...
    with pytest.raises(InvalidPdf) as error:  # ...extraction finds nothing.
        list(iter_paragraphs(io.BytesIO(data)))
    assert error.value.reason == "no_text"


def test_decompression_bomb_is_stopped_at_the_size_cap():
    # 200 MB of spaces inside a text object, deflated to about 200 kB.
    megabyte = b" " * 1_000_000
    bomb = flate_stream([b"BT /F1 12 Tf 72 500 Td "] + [megabyte] * 200 + [b"(Boum) Tj ET"])
    data = handmade_pdf([TEXT_PAGE % 4], [bomb])
    assert len(data) < 1_000_000

    assert inspect_pdf(io.BytesIO(data)) == 1  # Parsing needs no content stream.
    tracemalloc.start()
    try:
        with pytest.raises(InvalidPdf) as error:
            list(iter_paragraphs(io.BytesIO(data)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.value.facts == {"reason": "too_large_content", "page": 1}
    # Decoding stopped at the cap: memory stayed within a few times the cap, far below 200 MB.
    assert peak < 4 * MAX_DECODED_STREAM_BYTES


def test_a_small_honest_page_still_reads():
    content = flate_stream([b"BT /F1 12 Tf 72 500 Td (Bonjour le monde.) Tj ET"])
    data = handmade_pdf([TEXT_PAGE % 4], [content])
    assert list(iter_paragraphs(io.BytesIO(data))) == ["Bonjour le monde."]


def page_word(index):
    """A word of its own for each page (digits would make the lines look like running headers)."""
    return "".join("abcdefghij"[int(digit)] for digit in str(index)).capitalize().encode()


def many_pages_of_blank_content(count, blank_bytes):
    """``count`` pages, each drawing one word then ``blank_bytes`` of spaces (tiny once deflated)."""
    pages = [TEXT_PAGE % (3 + count + index) for index in range(count)]
    contents = [
        flate_stream([b"BT /F1 12 Tf 72 500 Td (%s.) Tj ET" % page_word(index), b" " * blank_bytes])
        for index in range(count)
    ]
    return handmade_pdf(pages, contents)


def test_a_page_with_content_far_beyond_a_book_page_is_refused_before_parsing():
    data = many_pages_of_blank_content(3, 5_000_000)  # 5 MB of content per page, 15 kB of file
    with pytest.raises(InvalidPdf) as error:
        list(iter_paragraphs(io.BytesIO(data)))
    assert error.value.facts == {"reason": "too_large_content", "page": 1}


def test_the_content_of_the_whole_book_is_budgeted(monkeypatch):
    # Scaled down: pages just under the page cap add up past the document budget.
    monkeypatch.setattr("novel_pyramid.pipeline.extract.MAX_PAGE_CONTENT_BYTES", 60_000)
    monkeypatch.setattr("novel_pyramid.pipeline.extract.MAX_DOCUMENT_CONTENT_BYTES", 200_000)
    data = many_pages_of_blank_content(6, 50_000)
    with pytest.raises(InvalidPdf) as error:
        list(iter_paragraphs(io.BytesIO(data)))
    assert error.value.facts == {"reason": "too_large_content", "page": 4}


def test_memory_does_not_grow_with_the_book():
    data = many_pages_of_blank_content(40, 200_000)  # 8 MB of content in all, 200 kB per page
    tracemalloc.start()
    try:
        paragraphs = list(iter_paragraphs(io.BytesIO(data)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert " ".join(paragraphs).split() == [page_word(index).decode() + "." for index in range(40)]
    # pypdf's decoded copy of each page is released once the page is read.
    assert peak < 4_000_000  # Keeping every page would take 8 MB.
