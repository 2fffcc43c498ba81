"""v1 POST /extract-pdf-text and POST /estimate-pdf: the frontend's estimate step, before any job."""

import io
import math

import pypdf
import pytest
import webtest
from fpdf import FPDF
from PIL import Image
from sqlalchemy import func, select

from novel_pyramid.credits.models import CreditEntry
from novel_pyramid.estimates.models import IssuedEstimate, KeptExtraction
from novel_pyramid.jobs.models import Job, JobUpload
from novel_pyramid.pipeline import extract_chunks
from tests.fakes.gemini_server import count_tokens, http_error
from tests.fakes.pdfs import A5_MM, bad_uploads, novel_paragraphs, text_pdf
from tests.functional.conftest import SMALL_CHUNKS

EXTRACT = "/api/v1/extract-pdf-text"
ESTIMATE = "/api/v1/estimate-pdf"

FIELDS = {
    "page_count",
    "file_size",
    "image_count",
    "estimated_tokens",
    "estimated_credits",
    "model",
    "model_preference",
    "pricing_rate",
    "pricing_version",
    "estimation_method",
    "capped",
}


@pytest.fixture
def app(make_app):
    return make_app()


def upload(data=None, name="roman.pdf", field="pdf_file"):
    return [(field, name, text_pdf() if data is None else data)]


def heuristic_tokens(text):
    # The default settings' heuristic: 4 characters a token, as many written as read, 10 % margin.
    return math.ceil(round(len(text) / 4.0 * 2 * 1.1, 6))


def job_text(data):
    """The text a job would send: the sentences of the PDF's chunks, as the estimate counts them."""
    return " ".join(sentence for chunk in extract_chunks(io.BytesIO(data)) for sentence in chunk.sentences)


def pages_of(data):
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def pdf_with_images(images=2):
    pdf = FPDF(format=A5_MM)
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, "Le capitaine regardait la mer pendant que les marins dormaient encore.")
    for number in range(images):
        pdf.image(Image.new("RGB", (20, 20), (number * 60, 100, 150)), x=10, y=60 + number * 30, w=20)
    return bytes(pdf.output())


def nothing_written(dbsession, models=(Job, JobUpload, CreditEntry, IssuedEstimate, KeptExtraction)):
    dbsession.expire_all()
    return all(dbsession.scalar(select(func.count()).select_from(model)) == 0 for model in models)


def only_the_estimate_written(dbsession):
    """An estimate writes its record (and the extraction of a whole book), no job, no ledger entry."""
    return nothing_written(dbsession, (Job, JobUpload, CreditEntry))


def test_extract_answers_the_text_and_page_count(app, headers):
    response = app.post(EXTRACT, upload_files=upload(), headers=headers)

    assert set(response.json) == {"text", "page_count"}
    assert response.json["page_count"] == 1
    text = response.json["text"]
    assert [f"marqueur{n:03d}" in text for n in range(6)] == [True] * 6
    assert text.index("marqueur000") < text.index("marqueur005")


def test_estimate_answers_every_field_from_the_extracted_text(app, headers, dbsession):
    data = text_pdf()

    body = app.post(ESTIMATE, upload_files=upload(data), headers=headers).json

    assert set(body) == FIELDS
    tokens = heuristic_tokens(job_text(data))
    assert body == {
        "page_count": 1,
        "file_size": len(data),
        "image_count": 0,
        "estimated_tokens": tokens,
        "estimated_credits": math.ceil(tokens * 3 / 1000),
        "model": "gemini-2.5-flash",
        "model_preference": "balanced",
        "pricing_rate": 3,
        "pricing_version": "v1",
        "estimation_method": "heuristic",
        "capped": False,
    }
    assert only_the_estimate_written(dbsession)


def test_estimate_agrees_with_the_credits_estimate_of_the_same_text(app, headers):
    data = text_pdf(novel_paragraphs(40))
    text = job_text(data)
    from_text = app.post_json(
        "/api/v1/credits/estimate", {"text": text, "model_preference": "quality"}, headers=headers
    )

    body = app.post(ESTIMATE, {"model_preference": "quality"}, upload_files=upload(data), headers=headers).json

    for key in ("model", "model_preference", "estimated_tokens", "estimated_credits", "pricing_rate"):
        assert body[key] == from_text.json[key]
    assert (body["model"], body["pricing_rate"]) == ("gemini-2.5-pro", 5)


@pytest.mark.parametrize(
    "preference, model, rate",
    [("speed", "gemini-2.5-flash-lite", 2), ("quality", "gemini-2.5-pro", 5), ("balanced", "gemini-2.5-flash", 3)],
)
def test_each_preference_is_priced_at_its_models_rate(app, headers, preference, model, rate):
    body = app.post(ESTIMATE, {"model_preference": preference}, upload_files=upload(), headers=headers).json
    assert (body["model_preference"], body["model"], body["pricing_rate"]) == (preference, model, rate)
    assert body["estimated_credits"] == math.ceil(body["estimated_tokens"] * rate / 1000)


def test_images_are_counted(app, headers):
    body = app.post(ESTIMATE, upload_files=upload(pdf_with_images(2)), headers=headers).json
    assert body["image_count"] == 2


def test_a_book_over_the_page_cap_is_estimated_from_its_first_pages_and_says_so(make_app, headers, dbsession):
    data = text_pdf(novel_paragraphs(80))
    pages = pages_of(data)
    assert pages >= 3
    # Small chunks, so that some start after the first page: the estimate stops at the first of them.
    app = make_app(**{"credits.estimate.max_pages": "1", **SMALL_CHUNKS})

    body = app.post(ESTIMATE, upload_files=upload(data), headers=headers).json
    dbsession.expire_all()
    kept_after_capped = dbsession.scalar(select(func.count()).select_from(KeptExtraction))
    full = make_app(**SMALL_CHUNKS).post(ESTIMATE, upload_files=upload(data), headers=headers).json

    assert body["capped"] is True and full["capped"] is False
    assert f"{pages} pages" in body["warning"] and "first 1" in body["warning"]
    assert body["page_count"] == pages
    # Scaled from one page to the whole book: near the full count, not a third of it.
    assert 0.5 * full["estimated_tokens"] < body["estimated_tokens"] < 1.5 * full["estimated_tokens"]
    # Only a whole book's extraction is kept; once kept, even a capped estimate counts it all.
    assert kept_after_capped == 0
    again = app.post(ESTIMATE, upload_files=upload(data), headers=headers).json
    assert again["capped"] is False and again["estimated_tokens"] == full["estimated_tokens"]


@pytest.mark.parametrize("path", [EXTRACT, ESTIMATE])
@pytest.mark.parametrize("files, reason", **bad_uploads())
def test_bad_uploads_are_a_400_json_error(app, headers, dbsession, path, files, reason):
    response = app.post(path, upload_files=files, headers=headers, status=400)

    assert response.content_type == "application/json"
    assert reason in response.json["error"]
    assert nothing_written(dbsession)


@pytest.mark.parametrize("path", [EXTRACT, ESTIMATE])
def test_a_text_field_instead_of_a_file_is_refused(app, headers, path):
    response = app.post(path, {"pdf_file": "not a file"}, headers=headers, status=400)
    assert "pdf_file" in response.json["details"]
    app.post_json(path, {"pdf_file": "x"}, headers=headers, status=400)


@pytest.mark.parametrize("path", [EXTRACT, ESTIMATE])
def test_a_scanned_book_is_a_400_and_writes_nothing(app, headers, dbsession, path):
    response = app.post(path, upload_files=upload(image_only_pdf()), headers=headers, status=400)

    assert response.json["code"] == "invalid_pdf"
    assert nothing_written(dbsession)


def image_only_pdf():
    pdf = FPDF(format=A5_MM)
    pdf.add_page()
    pdf.image(Image.new("RGB", (40, 40), (10, 100, 150)), x=10, y=10, w=40)
    return bytes(pdf.output())


def test_an_unknown_model_preference_is_refused(app, headers, dbsession):
    response = app.post(ESTIMATE, {"model_preference": "cheapest"}, upload_files=upload(), headers=headers, status=400)
    assert "model_preference" in response.json["details"]
    assert nothing_written(dbsession)


@pytest.mark.parametrize("path", [EXTRACT, ESTIMATE])
def test_too_large_a_file_is_a_413(make_app, headers, path):
    app = make_app(max_file_size="1024")
    response = app.post(path, upload_files=upload(b"%PDF-" + b"x" * 4000), headers=headers, status=413)
    assert response.json["code"] == "payload_too_large" and "1024" in response.json["error"]


@pytest.mark.parametrize("path", [EXTRACT, ESTIMATE])
def test_too_large_a_request_is_refused_from_its_content_length(make_app, headers, path):
    app = make_app(max_file_size="1024")
    request = webtest.TestRequest.blank(
        path,
        method="POST",
        headers={**headers, "Content-Type": "multipart/form-data; boundary=xyz"},
        environ={"CONTENT_LENGTH": str(200 * 1024)},
    )
    assert app.do_request(request, status=413).json["code"] == "payload_too_large"


@pytest.mark.parametrize("path", [EXTRACT, ESTIMATE])
def test_estimates_need_a_signed_in_user(app, path):
    app.post(path, upload_files=upload(), status=401)


def test_estimates_have_their_own_rate_limit_bucket_and_spend_no_upload(make_app, headers):
    app = make_app(
        **{
            "ratelimit.enabled": "true",
            "ratelimit.storage_url": "memory://",
            "ratelimit.limits": "estimate=2/hour, process-pdf=1/hour",
        }
    )

    app.post(ESTIMATE, upload_files=upload(), headers=headers)
    app.post(EXTRACT, upload_files=upload(), headers=headers)
    refused = app.post(ESTIMATE, upload_files=upload(), headers=headers, status=429)

    assert refused.json["code"] == "rate_limited" and refused.headers["X-RateLimit-Limit"] == "2"
    app.post("/api/v1/process-pdf", upload_files=upload(), headers=headers, status=200)


def test_with_a_gemini_key_the_estimates_are_counted_by_gemini(make_app, gemini_settings, gemini, headers):
    app = make_app(**gemini_settings)
    data = text_pdf()

    from_pdf = app.post(ESTIMATE, upload_files=upload(data), headers=headers).json
    from_text = app.post_json("/api/v1/credits/estimate", {"text": job_text(data)}, headers=headers).json

    assert from_pdf["estimation_method"] == from_text["estimation_method"] == "api"
    read = count_tokens(job_text(data))
    assert from_pdf["estimated_tokens"] == from_text["estimated_tokens"] == math.ceil(round(read * 2 * 1.1, 6))
    assert [request.path for request in gemini.count_requests] == ["/v1beta/models/gemini-2.5-flash:countTokens"] * 2


def test_a_gemini_that_cannot_count_leaves_the_estimate_to_the_heuristic(make_app, gemini_settings, gemini, headers):
    app = make_app(**gemini_settings)
    gemini.script_count_tokens(http_error(503))

    body = app.post(ESTIMATE, upload_files=upload(), headers=headers).json

    assert body["estimation_method"] == "heuristic"
    assert body["estimated_tokens"] == heuristic_tokens(job_text(text_pdf()))
