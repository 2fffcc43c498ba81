"""The ledger's rules: a lazy monthly grant, reservations that never overdraw, settlements that close once."""

import datetime

import pytest
from sqlalchemy import func, select

from novel_pyramid.credits.errors import InsufficientCredits
from novel_pyramid.credits.models import CreditBalance, CreditEntry
from novel_pyramid.errors import Conflict, NotFound
from tests.unit.credits.conftest import GRANT, credit_service


def ledger(dbsession, user_id):
    return [
        (entry.reason, entry.delta_credits, entry.job_id)
        for entry in dbsession.scalars(
            select(CreditEntry).where(CreditEntry.user_id == user_id).order_by(CreditEntry.id)
        )
    ]


def stored_balance(dbsession, user_id, month="2026-12"):
    return dbsession.scalar(
        select(CreditBalance.balance).where(CreditBalance.user_id == user_id, CreditBalance.month == month)
    )


def test_the_first_read_of_a_month_writes_its_grant_once(service, dbsession, user_id):
    summary = service.summary(user_id)
    service.summary(user_id)

    assert (summary.balance, summary.granted, summary.used, summary.month) == (GRANT, GRANT, 0, "2026-12")
    assert summary.next_reset == datetime.datetime(2027, 1, 1)
    assert ledger(dbsession, user_id) == [("monthly_grant", GRANT, None)]


def test_each_month_has_its_own_grant_and_balance(service, dbsession, user_id, clock):
    service.reserve(user_id, 60, "job-1")
    clock.now = datetime.datetime(2027, 1, 1, 0, 0)

    summary = service.summary(user_id)

    assert (summary.balance, summary.month, summary.next_reset) == (GRANT, "2027-01", datetime.datetime(2027, 2, 1))
    assert stored_balance(dbsession, user_id, "2026-12") == GRANT - 60


def test_a_reservation_takes_from_the_balance(service, dbsession, user_id):
    entry = service.reserve(user_id, 30, "job-1")

    assert (entry.reason, entry.delta_credits, entry.pricing_version) == ("job_reserve", -30, "v1")
    summary = service.summary(user_id)
    assert (summary.balance, summary.used) == (GRANT - 30, 30)
    assert stored_balance(dbsession, user_id) == GRANT - 30


def test_a_reservation_the_balance_cannot_cover_is_refused_and_writes_nothing(service, dbsession, user_id):
    service.reserve(user_id, 70, "job-1")
    before = ledger(dbsession, user_id)

    with pytest.raises(InsufficientCredits) as refused:
        service.reserve(user_id, 31, "job-2")

    assert (refused.value.status_code, refused.value.code) == (402, "insufficient_credits")
    assert (refused.value.required, refused.value.balance) == (31, 30)
    assert ledger(dbsession, user_id) == before
    assert stored_balance(dbsession, user_id) == 30


def test_the_whole_balance_may_be_reserved(service, user_id):
    service.reserve(user_id, GRANT, "job-1")

    assert service.balance(user_id) == 0


def test_a_job_reserves_once(service, user_id):
    service.reserve(user_id, 10, "job-1")

    with pytest.raises(Conflict):
        service.reserve(user_id, 10, "job-1")


def test_settling_under_the_reservation_gives_the_rest_back(service, dbsession, user_id):
    service.reserve(user_id, 40, "job-1")

    settled = service.settle("job-1", 25)

    assert (settled.closed, settled.refunded, settled.reserved, settled.actual_credits) == (True, False, 40, 25)
    assert settled.adjustment == 15
    summary = service.summary(user_id)
    assert (summary.balance, summary.used, summary.refunded) == (GRANT - 25, 40, 15)


def test_settling_over_the_reservation_charges_the_difference(service, user_id):
    service.reserve(user_id, 40, "job-1")

    settled = service.settle("job-1", 55)

    assert (settled.actual_credits, settled.adjustment) == (55, -15)
    summary = service.summary(user_id)
    assert (summary.balance, summary.used, summary.refunded) == (GRANT - 55, 55, 0)


def test_a_cost_beyond_the_balance_is_charged_only_as_far_as_it_goes(service, dbsession, user_id):
    service.reserve(user_id, 90, "job-1")

    settled = service.settle("job-1", 500)

    assert (settled.actual_credits, settled.adjustment) == (GRANT, -10)
    assert service.balance(user_id) == 0
    [final] = dbsession.scalars(select(CreditEntry).where(CreditEntry.reason == "job_final"))
    assert "400 beyond the balance not charged" in final.description


def test_a_second_settlement_writes_nothing_and_answers_the_first(service, dbsession, user_id):
    service.reserve(user_id, 40, "job-1")
    first = service.settle("job-1", 25)
    before = ledger(dbsession, user_id)

    assert service.settle("job-1", 10) == first
    assert service.refund("job-1") == first
    assert ledger(dbsession, user_id) == before


def test_a_refund_gives_the_whole_reservation_back_once(service, dbsession, user_id):
    service.reserve(user_id, 40, "job-1")

    refunded = service.refund("job-1")
    again = service.refund("job-1")

    assert refunded == again
    assert (refunded.refunded, refunded.actual_credits, refunded.adjustment) == (True, 0, 40)
    assert service.settle("job-1", 30) == refunded
    assert [reason for reason, _, _ in ledger(dbsession, user_id)] == ["monthly_grant", "job_reserve", "job_refund"]
    assert service.balance(user_id) == GRANT


def test_a_job_settled_after_the_month_turned_settles_in_its_own_month(service, dbsession, user_id, clock):
    service.reserve(user_id, 40, "job-1")
    clock.now = datetime.datetime(2027, 1, 2)

    settled = service.settle("job-1", 10)

    assert settled.month == "2026-12"
    assert stored_balance(dbsession, user_id, "2026-12") == GRANT - 10
    assert service.balance(user_id) == GRANT  # January's grant, untouched


def test_a_job_that_reserved_nothing_cannot_be_settled(service):
    assert service.settlement_of("job-x") is None
    with pytest.raises(NotFound):
        service.settle("job-x", 3)
    with pytest.raises(NotFound):
        service.refund("job-x")


def test_settlement_of_an_open_job(service, user_id):
    service.reserve(user_id, 40, "job-1")

    open_job = service.settlement_of("job-1")

    assert (open_job.closed, open_job.reserved, open_job.actual_credits) == (False, 40, None)


def test_an_adjustment_moves_the_balance_but_never_below_zero(service, dbsession, user_id):
    service.adjust(user_id, 50, "Goodwill")
    service.adjust(user_id, -20, "Correction")

    with pytest.raises(InsufficientCredits):
        service.adjust(user_id, -131, "Too much")

    summary = service.summary(user_id)
    assert (summary.balance, summary.adjusted) == (GRANT + 30, 30)
    assert [reason for reason, _, _ in ledger(dbsession, user_id)] == [
        "monthly_grant",
        "admin_adjustment",
        "admin_adjustment",
    ]


def test_an_adjustment_before_any_read_still_grants_the_month(service, user_id):
    service.adjust(user_id, 5, "Welcome")

    assert service.summary(user_id).granted == GRANT


def test_entries_are_paged_newest_first(service, user_id, clock):
    for number in range(5):
        service.reserve(user_id, 1, f"job-{number}")
    clock.now = datetime.datetime(2027, 1, 5)
    service.reserve(user_id, 1, "job-january")

    page, more = service.entries(user_id, limit=3)
    rest, more_after = service.entries(user_id, limit=10, before_id=page[-1].id)
    december, _ = service.entries(user_id, month="2026-12", limit=100)

    assert more and not more_after
    assert [entry.job_id for entry in page] == ["job-january", None, "job-4"]
    assert len(page) + len(rest) == 8  # two grants, six reservations
    assert {entry.month for entry in december} == {"2026-12"} and len(december) == 6


def test_a_grant_of_zero_still_opens_the_month(dbsession, clock, user_id):
    service = credit_service(dbsession, clock, **{"credits.monthly_grant": "0"})

    assert service.summary(user_id).balance == 0
    with pytest.raises(InsufficientCredits):
        service.reserve(user_id, 1, "job-1")
    assert dbsession.scalar(select(func.count()).select_from(CreditEntry)) == 1


def test_estimates_price_the_preferred_model(service, user_id):
    estimate = service.estimate(user_id, "x" * 4000, "quality")

    assert (estimate.model, estimate.estimated_tokens, estimate.estimated_credits) == ("gemini-2.5-pro", 2200, 11)
    assert (estimate.pricing_version, estimate.estimation_method, estimate.current_balance) == (
        "v1",
        "heuristic",
        GRANT,
    )
    assert estimate.allowed
    assert not service.estimate(user_id, "x" * 100_000, "quality").allowed
