"""Small PDFs made with fpdf2 for the job tests: a readable novel excerpt and the broken kinds."""

import io
import pathlib

from fpdf import FPDF

_FONT = pathlib.Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")

LONG_SENTENCE = (
    "Le capitaine {n} regardait la mer immense pendant que les marins préparaient les voiles, "
    "car il savait que la tempête approchait et que personne ne semblait le remarquer."
)
SHORT_SENTENCE = "Il dormait {n} encore."

# A5 in millimetres: the named format makes fpdf2 warn that its dimensions changed in 2.8.5.
A5_MM = (148, 210)


def novel_paragraphs(count=6):
    """Paragraphs whose sentences carry their number (``marqueur-N``), to check the order of the output."""
    paragraphs = []
    for number in range(count):
        marker = f"marqueur{number:03d}"
        sentence = LONG_SENTENCE if number % 2 == 0 else SHORT_SENTENCE
        paragraphs.append(sentence.format(n=marker))
    return paragraphs


def _document():
    pdf = FPDF(format=A5_MM)
    pdf.set_auto_page_break(True, margin=15)
    if _FONT.exists():
        pdf.add_font("serif", "", str(_FONT))
        pdf.set_font("serif", size=11)
    else:
        pdf.set_font("helvetica", size=11)
    return pdf


def text_pdf(paragraphs=None, *, encrypt=False):
    paragraphs = novel_paragraphs() if paragraphs is None else paragraphs
    pdf = _document()
    pdf.add_page()
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, paragraph)
        pdf.ln(4)
    if encrypt:
        pdf.set_encryption(owner_password="owner-secret", user_password="user-secret")
    return bytes(pdf.output())


def image_only_pdf():
    """A "scan": one page drawing an image and no text at all."""
    from PIL import Image

    image = Image.new("RGB", (40, 40), (200, 180, 150))
    pdf = FPDF(format=A5_MM)
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=60)
    return bytes(pdf.output())


def truncated_pdf():
    data = text_pdf()
    return data[: len(data) // 2]


def as_upload(data):
    return io.BytesIO(data)


def bad_uploads():
    """``(files, words of the error)`` of uploads that every upload route refuses with a 400, and their ids."""
    cases = {
        "wrong-field": ([("document", "roman.pdf", b"%PDF-1.4")], "pdf_file"),
        "not-a-pdf": ([("pdf_file", "roman.pdf", b"Bonjour, je ne suis pas un PDF.")], "not a PDF"),
        "empty": ([("pdf_file", "roman.pdf", b"")], "empty"),
        "truncated": ([("pdf_file", "roman.pdf", truncated_pdf())], "damaged"),
        "encrypted": ([("pdf_file", "roman.pdf", text_pdf(encrypt=True))], "password"),
        "image-only": ([("pdf_file", "scan.pdf", image_only_pdf())], "no text"),
    }
    return {"argvalues": list(cases.values()), "ids": list(cases)}
