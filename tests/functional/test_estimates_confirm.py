"""A confirmation reserves only an estimate this server gave the user: recent, at today's prices, same preference.

And an upload whose own estimate asks more than its job reserved is refused
(``IEstimateService.check_upload``, called by the jobs when the PDF arrives).
"""

import datetime
import hashlib
import io

import pytest
from sqlalchemy import func, select

from novel_pyramid.credits.models import CreditEntry, Reason
from novel_pyramid.errors import Conflict
from novel_pyramid.estimates.interfaces import IEstimateService, IExtractionStore
from novel_pyramid.estimates.models import IssuedEstimate
from novel_pyramid.jobs.models import Job
from novel_pyramid.pipeline import ProcessingOptions, extract_chunks, extraction_digest
from novel_pyramid.tasks import blank_request
from tests.fakes.pdfs import novel_paragraphs, text_pdf
from tests.functional.estimates import CONFIRM, confirm_estimated, estimate_of

GRANT = 2000


@pytest.fixture
def app(make_app):
    return make_app()


def jobs_and_reservations(dbsession):
    dbsession.expire_all()
    jobs = dbsession.scalar(select(func.count()).select_from(Job))
    reservations = dbsession.scalar(
        select(func.count()).select_from(CreditEntry).where(CreditEntry.reason != Reason.MONTHLY_GRANT)
    )
    return jobs, reservations


def refused(app, headers, credits, model_preference="balanced"):
    body = {"estimated_credits": credits, "model_preference": model_preference}
    response = app.post_json(CONFIRM, body, headers=headers, status=409)
    assert response.content_type == "application/json" and response.json["code"] == "estimate_not_accepted"
    return response.json


def test_an_estimated_amount_is_confirmed(app, headers, dbsession):
    body = confirm_estimated(app, headers, 40).json

    assert body["reserved"] is True and body["estimated_credits"] == 40
    assert jobs_and_reservations(dbsession) == (1, 1)


def test_a_pdf_estimate_is_confirmed_as_the_frontend_does(app, headers, dbsession):
    estimate = app.post(
        "/api/v1/estimate-pdf",
        {"model_preference": "speed"},
        upload_files=[("pdf_file", "r.pdf", text_pdf())],
        headers=headers,
    ).json

    body = app.post_json(
        CONFIRM, {"estimated_credits": estimate["estimated_credits"], "model_preference": "speed"}, headers=headers
    ).json

    assert body["estimated_credits"] == estimate["estimated_credits"]
    assert dbsession.get(Job, body["job_id"]).model == "gemini-2.5-flash-lite"


def test_an_amount_never_estimated_is_refused_and_writes_nothing(app, headers, dbsession):
    estimate_of(app, headers, 40)

    error = refused(app, headers, 39)

    assert error["reason"] == "unknown" and "39 credits" in error["error"]
    assert jobs_and_reservations(dbsession) == (0, 0)


def test_without_any_estimate_a_confirmation_is_refused(app, headers, dbsession):
    assert refused(app, headers, 40)["reason"] == "unknown"
    assert jobs_and_reservations(dbsession) == (0, 0)


def test_another_preference_than_the_estimates_is_refused(app, headers, dbsession):
    estimate_of(app, headers, 40, "balanced")

    assert refused(app, headers, 40, "quality")["reason"] == "unknown"
    assert jobs_and_reservations(dbsession) == (0, 0)


def test_another_users_estimate_is_not_yours(app, headers, auth_headers, dbsession):
    estimate_of(app, auth_headers("paul@example.com"), 40)

    assert refused(app, headers, 40)["reason"] == "unknown"
    assert jobs_and_reservations(dbsession) == (0, 0)


def test_a_stale_estimate_is_refused(make_app, headers, dbsession):
    app = make_app(**{"credits.estimate.valid_seconds": "600"})
    estimate_of(app, headers, 40)
    for issued in dbsession.scalars(select(IssuedEstimate)):
        issued.created_at -= datetime.timedelta(seconds=601)
    dbsession.commit()

    error = refused(app, headers, 40)

    assert error["reason"] == "expired" and "10 minutes" in error["error"]
    assert jobs_and_reservations(dbsession) == (0, 0)
    # A new estimate of the same amount can be confirmed.
    confirm_estimated(app, headers, 40)
    assert jobs_and_reservations(dbsession) == (1, 1)


def test_an_estimate_of_older_prices_is_refused(make_app, headers, dbsession):
    estimate_of(make_app(), headers, 40)
    repriced = make_app(**{"credits.pricing_version": "v2"})

    error = refused(repriced, headers, 40)

    assert error["reason"] == "outdated" and "prices changed" in error["error"]
    assert jobs_and_reservations(dbsession) == (0, 0)


def test_an_estimate_serves_several_confirmations_while_it_is_valid(app, headers, dbsession):
    # The frontend estimates before each upload; confirming twice is two jobs, each paid for.
    confirm_estimated(app, headers, 40)
    app.post_json(CONFIRM, {"estimated_credits": 40, "model_preference": "balanced"}, headers=headers)

    assert jobs_and_reservations(dbsession) == (2, 2)
    assert app.get("/api/v1/credits/me", headers=headers).json["balance"] == GRANT - 80


# -- the upload's check ------------------------------------------------------------------------


def estimates_service(app, dbsession):
    request = blank_request(app.app.registry)
    request.dbsession = dbsession
    return request.find_service(IEstimateService)


def test_an_upload_estimated_above_its_reservation_is_refused(app, headers, dbsession):
    book = text_pdf(novel_paragraphs(60))
    estimate = app.post("/api/v1/estimate-pdf", upload_files=[("pdf_file", "r.pdf", book)], headers=headers).json
    small = confirm_estimated(app, headers, 1).json
    job = dbsession.get(Job, small["job_id"])
    assert estimate["estimated_credits"] > 1

    with pytest.raises(Conflict) as error:
        estimates_service(app, dbsession).check_upload(job.user_id, job, hashlib.sha256(book).hexdigest())

    assert f"{estimate['estimated_credits']} credits" in error.value.message
    assert error.value.extra == {"estimated_credits": estimate["estimated_credits"], "reserved": 1}


def test_an_upload_within_its_reservation_passes(app, headers, dbsession):
    book = text_pdf()
    estimate = app.post("/api/v1/estimate-pdf", upload_files=[("pdf_file", "r.pdf", book)], headers=headers).json
    body = app.post_json(
        CONFIRM, {"estimated_credits": estimate["estimated_credits"], "model_preference": "balanced"}, headers=headers
    ).json
    job = dbsession.get(Job, body["job_id"])
    service = estimates_service(app, dbsession)

    service.check_upload(job.user_id, job, hashlib.sha256(book).hexdigest())
    # A file never estimated at the job's model passes too: the settlement charges what it really cost.
    service.check_upload(job.user_id, job, hashlib.sha256(b"another file").hexdigest())


def test_another_users_estimate_of_the_file_does_not_count(app, headers, auth_headers, dbsession):
    book = text_pdf(novel_paragraphs(60))
    app.post(
        "/api/v1/estimate-pdf", upload_files=[("pdf_file", "r.pdf", book)], headers=auth_headers("paul@example.com")
    )
    job = dbsession.get(Job, confirm_estimated(app, headers, 1).json["job_id"])

    estimates_service(app, dbsession).check_upload(job.user_id, job, hashlib.sha256(book).hexdigest())


def test_an_estimate_counted_by_gemini_is_confirmed_too(make_app, gemini_settings, gemini, headers, dbsession):
    app = make_app(**gemini_settings)

    estimate = estimate_of(app, headers, 70)
    app.post_json(CONFIRM, {"estimated_credits": 70, "model_preference": "balanced"}, headers=headers)

    assert estimate["estimation_method"] == "api" and len(gemini.count_requests) == 1
    assert jobs_and_reservations(dbsession) == (1, 1)


# -- what the estimates keep -------------------------------------------------------------------


def test_a_whole_books_estimate_keeps_its_chunks_under_the_jobs_digest(make_app, headers, dbsession):
    app = make_app(**{"pipeline.chunk_max_words": "60"})
    book = text_pdf(novel_paragraphs(30))

    app.post("/api/v1/estimate-pdf", upload_files=[("pdf_file", "r.pdf", book)], headers=headers)

    settings = app.app.registry.settings
    digest = extraction_digest(
        hashlib.sha256(book).hexdigest(),
        max_pages=settings["pipeline.max_pages"],
        chunk_max_words=60,
        options=ProcessingOptions(),
    )
    expected = list(extract_chunks(io.BytesIO(book), max_pages=settings["pipeline.max_pages"], chunk_max_words=60))
    kept = store_of(app, dbsession).chunks(digest)
    assert kept == expected and len(kept) > 1


def test_old_estimates_go_when_the_user_is_given_a_new_one(make_app, headers, auth_headers, dbsession):
    app = make_app(**{"credits.estimate.keep_days": "2"})
    estimate_of(app, headers, 40)
    estimate_of(app, auth_headers("paul@example.com"), 40)
    for issued in dbsession.scalars(select(IssuedEstimate)):
        issued.created_at -= datetime.timedelta(days=3)
    dbsession.commit()

    estimate_of(app, headers, 41)

    dbsession.expire_all()
    left = sorted((issued.estimated_credits, issued.user_id) for issued in dbsession.scalars(select(IssuedEstimate)))
    # Lea's old estimate went with her new one; Paul's waits for his next.
    assert [credits for credits, _ in left] == [40, 41] and left[0][1] != left[1][1]


def store_of(app, dbsession):
    request = blank_request(app.app.registry)
    request.dbsession = dbsession
    return request.find_service(IExtractionStore)
