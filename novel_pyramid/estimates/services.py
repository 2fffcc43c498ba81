"""Estimates of an uploaded PDF: its text, its page and image counts and its price.

Prices and token counts come from the credits subsystem (``IPriceTable``,
``ITokenCounter``), so an estimate here and ``POST /credits/estimate`` of the
same text agree; the text comes from the pipeline's own extraction, so the
estimate counts what a job would send to the model.
"""

import io
import math
from dataclasses import dataclass

import pypdf
from zope.interface import implementer

from novel_pyramid.credits.interfaces import IPriceTable, ITokenCounter
from novel_pyramid.estimates.interfaces import IEstimateService
from novel_pyramid.pipeline.extract import inspect_pdf, iter_paragraphs, read_limited

PARAGRAPH_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class PdfText:
    text: str
    page_count: int


@dataclass(frozen=True)
class PdfEstimate:
    page_count: int
    file_size: int
    image_count: int
    estimated_tokens: int
    estimated_credits: int
    model: str
    model_preference: str
    pricing_rate: object  # Decimal
    pricing_version: str
    estimation_method: str
    capped: bool
    warning: str | None = None


@implementer(IEstimateService)
class EstimateService:
    def __init__(self, settings, prices, counter):
        self.max_file_size = settings["max_file_size"]
        self.max_pages = settings["pipeline.max_pages"]
        self.estimate_max_pages = settings["credits.estimate.max_pages"]
        self.prices = prices
        self.counter = counter

    @classmethod
    def create_service(cls, context, request):
        return cls(request.registry.settings, request.find_service(IPriceTable), request.find_service(ITokenCounter))

    def extract_text(self, upload):
        data = self._read(upload)
        page_count = inspect_pdf(io.BytesIO(data), max_pages=self.max_pages)
        return PdfText(self._text_of(data), page_count)

    def estimate(self, upload, model_preference):
        data = self._read(upload)
        page_count = inspect_pdf(io.BytesIO(data), max_pages=self.max_pages)
        capped = page_count > self.estimate_max_pages
        read = _first_pages(data, self.estimate_max_pages) if capped else data
        model = self.prices.model_for(model_preference)
        rate = self.prices.rate_of(model)
        tokens = self.counter.count(self._text_of(read), model)
        warning = None
        if capped:
            # The pages read stand for the whole book, so a job's reservation is not short by the rest.
            tokens = math.ceil(tokens * page_count / self.estimate_max_pages)
            warning = (
                f"This PDF has {page_count} pages: the estimate reads the first {self.estimate_max_pages} "
                "and scales their cost to the whole book, so the final cost may differ."
            )
        return PdfEstimate(
            page_count=page_count,
            file_size=len(data),
            image_count=_image_count(data),
            estimated_tokens=tokens,
            estimated_credits=self.prices.credits_for(tokens, rate),
            model=model,
            model_preference=model_preference,
            pricing_rate=rate,
            pricing_version=self.prices.version,
            estimation_method=self.counter.method,
            capped=capped,
            warning=warning,
        )

    def _read(self, upload):
        return read_limited(upload.file, self.max_file_size)

    def _text_of(self, data):
        return PARAGRAPH_SEPARATOR.join(iter_paragraphs(io.BytesIO(data), max_pages=self.max_pages))


def _first_pages(data, count):
    """The bytes of a PDF made of the first ``count`` pages of ``data`` (already checked readable)."""
    writer = pypdf.PdfWriter()
    for page in pypdf.PdfReader(io.BytesIO(data)).pages[:count]:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _image_count(data):
    """Image XObjects the pages draw (each distinct image once); 0 where the resources cannot be read.

    Read from the page resources, never decoded: cheap even for a large book.
    """
    seen = set()
    try:
        for page in pypdf.PdfReader(io.BytesIO(data)).pages:
            resources = page.get("/Resources")
            xobjects = resources.get_object().get("/XObject") if resources is not None else None
            if xobjects is None:
                continue
            for name, ref in xobjects.get_object().items():
                obj = ref.get_object()
                if obj.get("/Subtype") == "/Image":
                    seen.add(getattr(ref, "idnum", None) or (id(page), name))
    except Exception:  # noqa: BLE001 - a count for display; the extraction already vouched for the text
        return len(seen)
    return len(seen)
