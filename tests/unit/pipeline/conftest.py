"""PDF builders for the extraction tests: small books made with fpdf2, and hand-made oddities."""

import io
import pathlib
import zlib

import pytest
from fpdf import FPDF

DEJAVU = pathlib.Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")


def build_book(pages, *, header=None, page_numbers=False, password=None):
    """A PDF whose pages hold exactly the given lines (lists of str), in reading order.

    ``header`` is drawn at the top of every page and a page number at the bottom
    when ``page_numbers`` is true, as a typesetter's running lines would be. An
    empty line leaves extra space (half a line); a line starting with a tab is
    indented (6 mm), as the first line of a paragraph often is.
    Uses DejaVu Serif when the machine has it (all of French, œ and ’ included),
    otherwise fpdf2's Latin-1 core font.
    """

    class Book(FPDF):
        def header(self):
            if header:
                self.set_font(size=9)
                self.cell(0, 8, header, align="C", new_x="LMARGIN", new_y="NEXT")
                self.ln(4)

        def footer(self):
            if page_numbers:
                self.set_y(-15)
                self.set_font(size=9)
                self.cell(0, 10, str(self.page_no()), align="C")

    pdf = Book(format=(148, 210))  # A5, in millimetres
    if DEJAVU.exists():
        pdf.add_font("book", fname=str(DEJAVU))
        pdf.set_font("book", size=10)
    else:
        pdf.set_font("Times", size=10)
    if password is not None:
        pdf.set_encryption(owner_password="owner-secret", user_password=password)
    for lines in pages:
        pdf.add_page()
        pdf.set_font(size=10)
        for line in lines:
            if not line:
                pdf.ln(2.5)
            elif line.startswith("\t"):
                pdf.set_x(pdf.l_margin + 6)
                pdf.cell(0, 5, line[1:], new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def handmade_pdf(page_objects, extra_objects=()):
    """A minimal PDF written byte by byte: a catalog, a page tree, the given pages and objects.

    ``page_objects`` are the dictionaries of the pages (as bytes, referring to
    the page tree as ``2 0 R``); ``extra_objects`` follow them, numbered on.
    Object numbers: 1 catalog, 2 page tree, 3... pages, then the extras.
    """
    kids = " ".join(f"{3 + index} 0 R" for index in range(len(page_objects)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(page_objects)} >>".encode(),
        *page_objects,
        *extra_objects,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def flate_stream(chunks):
    """A FlateDecode stream object (bytes) compressing ``chunks`` without holding them all."""
    compressor = zlib.compressobj(9)
    compressed = b"".join(compressor.compress(chunk) for chunk in chunks) + compressor.flush()
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(compressed) + compressed + b"\nendstream"


@pytest.fixture
def book():
    """``book(pages, **options)`` -> a seekable binary stream holding the PDF."""
    return lambda pages, **options: io.BytesIO(build_book(pages, **options))
