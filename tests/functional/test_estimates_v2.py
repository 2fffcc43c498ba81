"""v2 POST /api/v2/estimates (a PDF or a text) and GET /api/v2/estimates/{id}: estimates as resources."""

import datetime
import uuid

import pytest
from sqlalchemy import func, select

from novel_pyramid.credits.models import CreditEntry
from novel_pyramid.estimates.models import IssuedEstimate
from novel_pyramid.jobs.models import Job
from tests.fakes.pdfs import bad_uploads, text_pdf
from tests.functional.estimates import CONFIRM, text_costing

ESTIMATES = "/api/v2/estimates"
GRANT = 2000


@pytest.fixture
def app(make_app):
    return make_app()


def recorded(dbsession):
    dbsession.expire_all()
    return dbsession.scalar(select(func.count()).select_from(IssuedEstimate))


def nothing_written(dbsession):
    dbsession.expire_all()
    return all(
        dbsession.scalar(select(func.count()).select_from(model)) == 0 for model in (IssuedEstimate, Job, CreditEntry)
    )


def test_a_pdf_estimate_is_created_and_can_be_read_back(app, headers, dbsession):
    data = text_pdf()

    created = app.post(
        ESTIMATES,
        {"model_preference": "quality"},
        upload_files=[("pdf_file", "r.pdf", data)],
        headers=headers,
        status=201,
    )

    body = created.json
    assert created.headers["Location"] == body["links"]["self"] == f"http://localhost{ESTIMATES}/{body['id']}"
    assert (body["source"], body["model"], body["model_preference"]) == ("pdf", "gemini-2.5-pro", "quality")
    assert (body["page_count"], body["file_size"], body["image_count"], body["capped"]) == (1, len(data), 0, False)
    assert body["pricing_rate"] == 5 and body["pricing_version"] == "v1" and body["estimation_method"] == "heuristic"
    assert body["confirmable"] is True and body["allowed"] is True and body["current_balance"] == GRANT
    created_at = datetime.datetime.fromisoformat(body["created_at"].rstrip("Z"))
    expires_at = datetime.datetime.fromisoformat(body["expires_at"].rstrip("Z"))
    assert expires_at - created_at == datetime.timedelta(hours=1)
    # The v1 estimate of the same file agrees.
    v1 = app.post(
        "/api/v1/estimate-pdf",
        {"model_preference": "quality"},
        upload_files=[("pdf_file", "r.pdf", data)],
        headers=headers,
    ).json
    assert v1["estimated_credits"] == body["estimated_credits"]

    read = app.get(created.headers["Location"], headers=headers).json
    pdf_only = {"file_size", "image_count", "capped", "warning"}
    assert read == {key: value for key, value in body.items() if key not in pdf_only}
    assert recorded(dbsession) == 2


def test_a_text_estimate_is_created_and_confirmed(app, headers, dbsession):
    body = app.post_json(ESTIMATES, {"text": text_costing(40)}, headers=headers, status=201).json

    assert (body["source"], body["estimated_credits"], body["page_count"], body["model_preference"]) == (
        "text",
        40,
        None,
        "balanced",
    )
    assert "file_size" not in body
    app.post_json(CONFIRM, {"estimated_credits": 40, "model_preference": "balanced"}, headers=headers)
    assert dbsession.scalar(select(func.count()).select_from(Job)) == 1


def test_an_expired_estimate_says_it_is_no_longer_confirmable(app, headers, dbsession):
    body = app.post_json(ESTIMATES, {"text": "Il pleuvait."}, headers=headers, status=201).json
    for issued in dbsession.scalars(select(IssuedEstimate)):
        issued.created_at -= datetime.timedelta(hours=2)
    dbsession.commit()

    assert app.get(body["links"]["self"], headers=headers).json["confirmable"] is False


def test_after_a_price_change_an_estimate_is_not_confirmable_and_has_no_rate(make_app, headers):
    body = make_app().post_json(ESTIMATES, {"text": "Il pleuvait."}, headers=headers, status=201).json

    read = make_app(**{"credits.pricing_version": "v2"}).get(body["links"]["self"], headers=headers).json

    assert (read["confirmable"], read["pricing_rate"], read["pricing_version"]) == (False, None, "v1")


def test_another_users_or_an_unknown_estimate_is_404(app, headers, auth_headers):
    body = app.post_json(ESTIMATES, {"text": "Il pleuvait."}, headers=headers, status=201).json

    app.get(body["links"]["self"], headers=auth_headers("paul@example.com"), status=404)
    app.get(f"{ESTIMATES}/{uuid.uuid4()}", headers=headers, status=404)
    app.get(f"{ESTIMATES}/{'x' * 37}", headers=headers, status=400)


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "pdf_file"),
        ({"model_preference": "balanced"}, "text"),
        ({"text": ""}, "text"),
        ({"text": 12}, "text"),
        ({"text": "Il pleuvait.", "model_preference": "cheapest"}, "model_preference"),
        ({"text": "Il pleuvait.", "pdf_file": "x"}, "pdf_file"),
        ({"text": "Il pleuvait.", "colour": "blue"}, "colour"),
        ({"text": ["Il pleuvait."]}, "text"),
    ],
)
def test_bad_json_is_a_400_and_writes_nothing(app, headers, dbsession, body, field):
    response = app.post_json(ESTIMATES, body, headers=headers, status=400)

    assert response.content_type == "application/json" and field in response.json["details"]
    assert nothing_written(dbsession)


def test_a_file_and_a_text_together_are_refused(app, headers, dbsession):
    response = app.post(
        ESTIMATES,
        {"text": "Il pleuvait."},
        upload_files=[("pdf_file", "r.pdf", text_pdf())],
        headers=headers,
        status=400,
    )
    assert "not both" in response.json["details"]["text"][0]
    assert nothing_written(dbsession)


@pytest.mark.parametrize("files, reason", **bad_uploads())
def test_bad_uploads_are_a_400_and_write_nothing(app, headers, dbsession, files, reason):
    response = app.post(ESTIMATES, upload_files=files, headers=headers, status=400)

    assert response.content_type == "application/json" and reason in response.json["error"]
    assert nothing_written(dbsession)


def test_another_media_type_is_refused(app, headers, dbsession):
    response = app.post(ESTIMATES, b"text=Il", headers={**headers, "Content-Type": "text/plain"}, status=415)
    assert response.content_type == "application/json" and response.json["code"] == "unsupported_media_type"
    assert "multipart/form-data" in response.json["error"]
    no_body = app.post(ESTIMATES, headers=headers, status=400)
    assert no_body.content_type == "application/json"
    assert nothing_written(dbsession)


def test_too_large_a_text_is_a_413(make_app, headers, dbsession):
    app = make_app()
    response = app.post(
        ESTIMATES,
        b'{"text": "' + b"a" * (7 * 4_000_000) + b'"}',
        headers={**headers, "Content-Type": "application/json"},
        status=413,
    )
    assert response.json["code"] == "payload_too_large"
    assert nothing_written(dbsession)


def test_estimates_need_a_signed_in_user(app):
    app.post_json(ESTIMATES, {"text": "Il pleuvait."}, status=401)
    app.get(f"{ESTIMATES}/{uuid.uuid4()}", status=401)


def test_the_estimates_are_in_the_openapi_document(app):
    document = app.get("/api/v2/openapi.json").json
    create = document["paths"]["/estimates"]["post"]

    assert set(create["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    assert {"201", "400", "401", "413", "429"} <= set(create["responses"])
    assert "Location" in create["responses"]["201"]["headers"]
    assert set(document["paths"]["/estimates/{id}"]["get"]["responses"]) >= {"200", "404"}
