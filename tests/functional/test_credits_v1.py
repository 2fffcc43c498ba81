"""v1 credits as the frontend calls them: /credits/me, /credits/ledger and /credits/estimate."""

import datetime

import pytest
from sqlalchemy import func, select

from novel_pyramid.config import load_settings
from novel_pyramid.credits.models import CreditEntry
from novel_pyramid.credits.pricing import HeuristicTokenCounter, PriceTable
from novel_pyramid.credits.schemas import ESTIMATE_MAX_CHARACTERS
from novel_pyramid.credits.services import CreditService, month_of
from novel_pyramid.db.types import utcnow

GRANT = 2000  # the declared default


def ledger_writer(dbsession):
    """The ledger's own service on the test's session, as the job side will call it."""
    settings = load_settings({}, environ={})
    return CreditService(
        dbsession,
        PriceTable.from_settings(settings),
        HeuristicTokenCounter.from_settings(settings),
        settings["credits.monthly_grant"],
    )


def entry_count(dbsession):
    dbsession.expire_all()
    return dbsession.scalar(select(func.count()).select_from(CreditEntry))


@pytest.fixture
def user_id(testapp, login):
    return login()["user"]["id"]


def test_credits_me_grants_the_month_on_first_read(testapp, headers, dbsession):
    first = testapp.get("/api/v1/credits/me", headers=headers).json
    second = testapp.get("/api/v1/credits/me", headers=headers).json

    now = utcnow()
    assert (
        first
        == second
        == {
            "balance": GRANT,
            "granted": GRANT,
            "used": 0,
            "refunded": 0,
            "adjusted": 0,
            "month": month_of(now),
            "next_reset": first["next_reset"],
        }
    )
    reset = datetime.datetime.fromisoformat(first["next_reset"].removesuffix("Z"))
    assert first["next_reset"].endswith("T00:00:00Z") and reset.day == 1 and reset > now
    assert entry_count(dbsession) == 1


def test_credits_me_shows_what_jobs_took_and_gave_back(testapp, headers, dbsession, user_id):
    writer = ledger_writer(dbsession)
    writer.reserve(user_id, 300, "job-a")
    writer.settle("job-a", 200)
    writer.reserve(user_id, 50, "job-b")
    writer.refund("job-b")
    writer.adjust(user_id, -10, "Correction")
    dbsession.commit()

    summary = testapp.get("/api/v1/credits/me", headers=headers).json

    assert (summary["used"], summary["refunded"], summary["adjusted"]) == (350, 150, -10)
    assert summary["balance"] == GRANT - 200 - 10


def test_credits_need_a_signed_in_user(testapp):
    for path in ("/api/v1/credits/me", "/api/v1/credits/ledger"):
        assert testapp.get(path, status=401).json["code"] == "unauthorized"
    testapp.post_json("/api/v1/credits/estimate", {"text": "Bonjour."}, status=401)


def test_the_ledger_lists_entries_newest_first_in_the_frontends_shape(testapp, headers, dbsession, user_id):
    writer = ledger_writer(dbsession)
    writer.reserve(user_id, 30, "job-a")
    writer.settle("job-a", 20)
    dbsession.commit()

    entries = testapp.get("/api/v1/credits/ledger", headers=headers).json

    assert [(e["reason"], e["delta_credits"], e["job_id"]) for e in entries] == [
        ("job_final", 10, "job-a"),
        ("job_reserve", -30, "job-a"),
        ("monthly_grant", GRANT, None),
    ]
    assert set(entries[0]) == {
        "id",
        "user_id",
        "month",
        "delta_credits",
        "reason",
        "job_id",
        "pricing_version",
        "description",
        "timestamp",
    }
    assert entries[0]["user_id"] == user_id and entries[0]["pricing_version"] == "v1"
    assert entries[0]["timestamp"].endswith("Z")
    assert len(testapp.get("/api/v1/credits/ledger?limit=2", headers=headers).json) == 2
    month = entries[0]["month"]
    assert len(testapp.get(f"/api/v1/credits/ledger?month={month}", headers=headers).json) == 3
    assert testapp.get("/api/v1/credits/ledger?month=1999-01", headers=headers).json == []


def test_the_ledger_shows_only_the_users_own_entries(testapp, auth_headers, dbsession, login):
    other = login("other@example.com")["user"]["id"]
    ledger_writer(dbsession).reserve(other, 5, "job-of-another")
    dbsession.commit()

    entries = testapp.get("/api/v1/credits/ledger", headers=auth_headers()).json

    assert entries == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("month=2026-13", "month"),
        ("month=12-2026", "month"),
        ("month=2026-1", "month"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("page=2", "page"),
    ],
)
def test_a_bad_ledger_query_is_a_400_naming_the_field(testapp, headers, dbsession, query, field):
    error = testapp.get(f"/api/v1/credits/ledger?{query}", headers=headers, status=400).json

    assert error["code"] == "invalid_input" and field in error["details"]
    assert entry_count(dbsession) == 0


def test_an_estimate_prices_the_preferred_model(testapp, headers):
    text = "Il était une fois une petite fille. " * 100  # 3,600 characters

    estimate = testapp.post_json(
        "/api/v1/credits/estimate", {"text": text, "model_preference": "quality"}, headers=headers
    ).json

    assert estimate == {
        "model": "gemini-2.5-pro",
        "model_preference": "quality",
        # 900 tokens read, 900 written, 10 % margin; 5 credits per 1,000 tokens.
        "estimated_tokens": 1980,
        "estimated_credits": 10,
        "pricing_rate": 5,
        "pricing_version": "v1",
        "estimation_method": "heuristic",
        "current_balance": GRANT,
        "allowed": True,
    }


def test_an_estimate_without_a_preference_is_balanced(testapp, headers):
    estimate = testapp.post_json("/api/v1/credits/estimate", {"text": "Bonjour."}, headers=headers).json

    assert (estimate["model_preference"], estimate["model"], estimate["pricing_rate"]) == (
        "balanced",
        "gemini-2.5-flash",
        3,
    )


def test_an_estimate_over_the_balance_says_so(make_app, auth_headers):
    app = make_app(**{"credits.monthly_grant": "5"})
    headers = auth_headers()

    estimate = app.post_json(
        "/api/v1/credits/estimate", {"text": "x" * 40_000, "model_preference": "speed"}, headers=headers
    ).json

    assert (estimate["allowed"], estimate["current_balance"], estimate["estimated_credits"]) == (False, 5, 44)
    assert estimate["message"] == "This needs 44 credits and the balance is 5."


def test_settings_choose_models_and_prices(make_app, auth_headers):
    app = make_app(
        **{
            "credits.model.speed": "house-model",
            "credits.prices": "house-model=0.5, gemini-2.5-flash=3, gemini-2.5-pro=5",
            "credits.pricing_version": "2027-01",
        }
    )

    estimate = app.post_json(
        "/api/v1/credits/estimate", {"text": "x" * 4000, "model_preference": "speed"}, headers=auth_headers()
    ).json

    assert (estimate["model"], estimate["pricing_rate"], estimate["pricing_version"]) == ("house-model", 0.5, "2027-01")
    assert estimate["estimated_credits"] == 2  # 2,200 tokens at half a credit per 1,000, rounded up


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "Bonjour.", "model_preference": "fast"}, "model_preference"),
        ({"text": "Bonjour.", "model_preference": "Quality"}, "model_preference"),
        ({"text": "Bonjour.", "model_preference": None}, "model_preference"),
        ({"model_preference": "speed"}, "text"),
        ({"text": ""}, "text"),
        ({"text": 42}, "text"),
        ({"text": "Bonjour.", "estimated_tokens": 1}, "estimated_tokens"),
    ],
)
def test_a_bad_estimate_is_a_400_naming_the_field_and_writes_nothing(testapp, headers, dbsession, body, field):
    error = testapp.post_json("/api/v1/credits/estimate", body, headers=headers, status=400).json

    assert error["code"] == "invalid_input" and field in error["details"]
    assert entry_count(dbsession) == 0


def test_a_text_too_long_to_estimate_is_a_400(testapp, headers, dbsession):
    body = {"text": "x" * (ESTIMATE_MAX_CHARACTERS + 1)}

    error = testapp.post_json("/api/v1/credits/estimate", body, headers=headers, status=400).json

    assert error["details"]["text"] == [f"Must have at most {ESTIMATE_MAX_CHARACTERS} characters"]
    assert entry_count(dbsession) == 0
