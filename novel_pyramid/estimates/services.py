"""Estimates of an uploaded PDF or a text: its page and image counts and its price, recorded for the confirmation.

Prices and token counts come from the credits subsystem (``IPriceTable``,
``ITokenCounter``), so an estimate here and ``POST /credits/estimate`` of the
same text agree. The PDF is read once, with the pipeline's own extraction into
the chunks a job would send, and the tokens are counted from their text; a
second, light read of the page tree gives the page and image counts. A whole
book's chunks are kept (``IExtractionStore``), and a book kept already is not
extracted again.

Each answer is recorded (``IssuedEstimate``) so that a confirmation can only
reserve an amount the server computed (``check_confirm``) and an upload cannot
exceed its reservation (``check_upload``).
"""

import datetime
import hashlib
import io
import math
from collections.abc import Callable
from dataclasses import dataclass

import pypdf
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from zope.interface import implementer

from novel_pyramid.credits.interfaces import ICreditService, IPriceTable, ITokenCounter
from novel_pyramid.db.types import utcnow
from novel_pyramid.errors import Conflict, NotFound
from novel_pyramid.estimates.errors import EstimateNotAccepted
from novel_pyramid.estimates.interfaces import IEstimateService, IExtractionStore
from novel_pyramid.estimates.models import EstimateSource, IssuedEstimate
from novel_pyramid.pipeline import extract_chunks, extraction_digest
from novel_pyramid.pipeline.extract import inspect_pdf, iter_paragraphs, read_limited

PARAGRAPH_SEPARATOR = "\n\n"
# Sentences as a job sends them and the settlement counts them.
SENTENCE_SEPARATOR = " "
# Recent estimates a confirmation is compared with; a user makes a handful.
CONFIRM_CANDIDATES = 50


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
    issued: IssuedEstimate | None = None


@dataclass(frozen=True)
class TextEstimate:
    """The credits ``Estimate`` of a text, and its record."""

    estimate: object
    issued: IssuedEstimate


@dataclass(frozen=True)
class Extracted:
    """What an estimate read of a PDF: the text of the chunks counted, the pages they cover, and whether it stopped."""

    text: str
    pages_read: int
    capped: bool


@implementer(IEstimateService)
@dataclass
class EstimateService:
    db: Session
    settings: dict
    prices: IPriceTable
    counter: ITokenCounter
    credits: ICreditService
    store: IExtractionStore
    clock: Callable[[], datetime.datetime] = utcnow

    @classmethod
    def create_service(cls, context, request):
        return cls(
            request.dbsession,
            request.registry.settings,
            request.find_service(IPriceTable),
            request.find_service(ITokenCounter),
            request.find_service(ICreditService),
            request.find_service(IExtractionStore),
        )

    @property
    def max_pages(self):
        return self.settings["pipeline.max_pages"]

    # -- reading --------------------------------------------------------------------------

    def extract_text(self, upload):
        data = self._read(upload)
        page_count = inspect_pdf(io.BytesIO(data), max_pages=self.max_pages)
        text = PARAGRAPH_SEPARATOR.join(iter_paragraphs(io.BytesIO(data), max_pages=self.max_pages))
        return PdfText(text, page_count)

    def estimate(self, user_id, upload, model_preference):
        data = self._read(upload)
        sha256 = hashlib.sha256(data).hexdigest()
        model = self.prices.model_for(model_preference)
        rate = self.prices.rate_of(model)
        extracted = self._extract(data, sha256)
        # The extraction vouched for the file (magic, encryption, page limit): the page tree is safe to read.
        page_count, image_count = _page_and_image_counts(data)
        count = self.counter.measure(extracted.text, model)
        tokens, warning = count.tokens, None
        if extracted.capped:
            # The pages read stand for the whole book, so a job's reservation is not short by the rest.
            cap = self.settings["credits.estimate.max_pages"]
            tokens = math.ceil(tokens * page_count / max(extracted.pages_read, 1))
            warning = (
                f"This PDF has {page_count} pages: the estimate reads the first {cap} "
                "and scales their cost to the whole book, so the final cost may differ."
            )
        credits = self.prices.credits_for(tokens, rate)
        issued = self._record(
            user_id, EstimateSource.PDF, sha256, tokens, credits, model_preference, model, count.method, page_count
        )
        return PdfEstimate(
            page_count=page_count,
            file_size=len(data),
            image_count=image_count,
            estimated_tokens=tokens,
            estimated_credits=credits,
            model=model,
            model_preference=model_preference,
            pricing_rate=rate,
            pricing_version=self.prices.version,
            estimation_method=count.method,
            capped=extracted.capped,
            warning=warning,
            issued=issued,
        )

    def estimate_text(self, user_id, text, model_preference):
        estimate = self.credits.estimate(user_id, text, model_preference)
        issued = self._record(
            user_id,
            EstimateSource.TEXT,
            hashlib.sha256(text.encode("utf-8")).hexdigest(),
            estimate.estimated_tokens,
            estimate.estimated_credits,
            model_preference,
            estimate.model,
            estimate.estimation_method,
            None,
        )
        return TextEstimate(estimate, issued)

    def issued(self, user_id, estimate_id):
        found = self.db.get(IssuedEstimate, estimate_id)
        if found is None or found.user_id != user_id:
            raise NotFound("No such estimate.")
        return found

    def expires_at(self, issued):
        """When ``issued`` can no longer be confirmed."""
        return issued.created_at + datetime.timedelta(seconds=self.settings["credits.estimate.valid_seconds"])

    # -- the checks -----------------------------------------------------------------------

    def check_confirm(self, user_id, estimated_credits, model_preference):
        candidates = self.db.scalars(
            select(IssuedEstimate)
            .where(
                IssuedEstimate.user_id == user_id,
                IssuedEstimate.estimated_credits == estimated_credits,
                IssuedEstimate.model_preference == model_preference,
            )
            .order_by(IssuedEstimate.created_at.desc())
            .limit(CONFIRM_CANDIDATES)
        ).all()
        valid_seconds = self.settings["credits.estimate.valid_seconds"]
        fresh = [
            found
            for found in candidates
            if found.created_at >= self.clock() - datetime.timedelta(seconds=valid_seconds)
        ]
        model = self.prices.model_for(model_preference)
        for found in fresh:
            if found.pricing_version == self.prices.version and found.model == model:
                return found
        again = "Estimate the file again and confirm the new estimate."
        if fresh:
            raise EstimateNotAccepted(
                f"The prices changed since your estimate of {estimated_credits} credits. {again}", "outdated"
            )
        if candidates:
            minutes = max(1, valid_seconds // 60)
            raise EstimateNotAccepted(
                f"Your estimate of {estimated_credits} credits is more than {minutes} minutes old. {again}", "expired"
            )
        raise EstimateNotAccepted(
            f"No estimate of {estimated_credits} credits with model preference {model_preference} was given to you: "
            f"confirm the estimated_credits an estimate answered. {again}",
            "unknown",
        )

    def check_upload(self, user_id, job, sha256):
        if job.estimated_credits is None:
            return
        newest = self.db.scalars(
            select(IssuedEstimate)
            .where(
                IssuedEstimate.user_id == user_id,
                IssuedEstimate.content_sha256 == sha256,
                IssuedEstimate.source == EstimateSource.PDF,
                IssuedEstimate.model == job.model,
                IssuedEstimate.pricing_version == job.pricing_version,
            )
            .order_by(IssuedEstimate.created_at.desc())
            .limit(1)
        ).first()
        if newest is not None and newest.estimated_credits > job.estimated_credits:
            raise Conflict(
                f"This PDF's estimate is {newest.estimated_credits} credits and the job reserved "
                f"{job.estimated_credits}: estimate this file and confirm its estimate.",
                extra={"estimated_credits": newest.estimated_credits, "reserved": job.estimated_credits},
            )

    # -- helpers --------------------------------------------------------------------------

    def _read(self, upload):
        return read_limited(upload.file, self.settings["max_file_size"])

    def _extract(self, data, sha256):
        """The text to count: the kept chunks of a book read before, else the chunks read now (first pages only)."""
        digest = extraction_digest(
            sha256, max_pages=self.max_pages, chunk_max_words=self.settings["pipeline.chunk_max_words"]
        )
        kept = self.store.chunks(digest)
        if kept is not None:
            return Extracted(_text_of(kept), kept[-1].end_page if kept else 0, capped=False)
        cap = self.settings["credits.estimate.max_pages"]
        chunks, capped = [], False
        for chunk in extract_chunks(
            io.BytesIO(data), max_pages=self.max_pages, chunk_max_words=self.settings["pipeline.chunk_max_words"]
        ):
            if chunk.start_page > cap:
                capped = True  # the rest of the book is scaled from what was read
                break
            chunks.append(chunk)
        if not capped:
            self.store.keep(digest, chunks)
        return Extracted(_text_of(chunks), chunks[-1].end_page if chunks else 0, capped)

    def _record(self, user_id, source, sha256, tokens, credits, model_preference, model, method, page_count):
        now = self.clock()
        # The user's estimates past keeping go as a new one comes: a few rows, on the user's index.
        self.db.execute(
            delete(IssuedEstimate)
            .where(
                IssuedEstimate.user_id == user_id,
                IssuedEstimate.created_at < now - datetime.timedelta(days=self.settings["credits.estimate.keep_days"]),
            )
            .execution_options(synchronize_session=False)
        )
        issued = IssuedEstimate(
            user_id=user_id,
            source=source,
            content_sha256=sha256,
            estimated_tokens=tokens,
            estimated_credits=credits,
            model_preference=model_preference,
            model=model,
            pricing_version=self.prices.version,
            estimation_method=method,
            page_count=page_count,
            created_at=now,
        )
        self.db.add(issued)
        self.db.flush()
        return issued


def _text_of(chunks):
    return SENTENCE_SEPARATOR.join(sentence for chunk in chunks for sentence in chunk.sentences)


def _page_and_image_counts(data):
    """The page count, and the image XObjects the pages draw (each distinct image once; 0 where unreadable).

    Read from the page tree and resources, never decoded: cheap even for a large book.
    """
    reader = pypdf.PdfReader(io.BytesIO(data))
    page_count = len(reader.pages)
    seen = set()
    try:
        for page in reader.pages:
            resources = page.get("/Resources")
            xobjects = resources.get_object().get("/XObject") if resources is not None else None
            if xobjects is None:
                continue
            for name, ref in xobjects.get_object().items():
                obj = ref.get_object()
                if obj.get("/Subtype") == "/Image":
                    seen.add(getattr(ref, "idnum", None) or (id(page), name))
    except Exception:  # noqa: BLE001 - a count for display; the extraction already vouched for the text
        return page_count, len(seen)
    return page_count, len(seen)
