"""Settling at a token count, and the billing rounds of a retried job."""

import datetime

import pytest
from sqlalchemy import select

from novel_pyramid.credits.errors import InsufficientCredits
from novel_pyramid.credits.models import CreditEntry
from novel_pyramid.errors import Conflict, NotFound
from tests.unit.credits.conftest import GRANT


def job_entries(dbsession, job_id):
    return [
        (entry.round, entry.reason, entry.delta_credits)
        for entry in dbsession.scalars(select(CreditEntry).where(CreditEntry.job_id == job_id).order_by(CreditEntry.id))
    ]


def test_settle_tokens_charges_the_models_rate(service, dbsession, user_id):
    service.reserve(user_id, 40, "job-1")

    # gemini-2.5-flash costs 3 credits per 1,000 tokens: 10,001 tokens are 30.003, rounded up.
    settlement = service.settle_tokens("job-1", "gemini-2.5-flash", 10_001)

    assert (settlement.reserved, settlement.actual_credits, settlement.adjustment) == (40, 31, 9)
    assert job_entries(dbsession, "job-1") == [(1, "job_reserve", -40), (1, "job_final", 9)]
    assert service.balance(user_id) == GRANT - 31


def test_settle_tokens_of_a_model_no_longer_priced_costs_the_reservation(service, dbsession, user_id):
    service.reserve(user_id, 40, "job-1")

    settlement = service.settle_tokens("job-1", "gemini-1.0-retired", 10**9)

    assert (settlement.actual_credits, settlement.adjustment) == (40, 0)
    assert service.balance(user_id) == GRANT - 40


def test_settle_tokens_is_idempotent_and_refuses_a_negative_count(service, user_id):
    service.reserve(user_id, 40, "job-1")
    first = service.settle_tokens("job-1", "gemini-2.5-flash", 1000)

    assert service.settle_tokens("job-1", "gemini-2.5-flash", 999_999) == first
    with pytest.raises(ValueError):
        service.settle_tokens("job-1", "gemini-2.5-flash", -1)
    with pytest.raises(NotFound):
        service.settle_tokens("no-such-job", "gemini-2.5-flash", 10)


def test_a_retry_reserves_again_in_a_new_round(service, dbsession, user_id):
    service.reserve(user_id, 40, "job-1")
    service.refund("job-1")

    entry = service.reserve_again("job-1", 25)

    assert (entry.round, entry.delta_credits) == (2, -25)
    open_round = service.settlement_of("job-1")
    assert (open_round.round, open_round.reserved, open_round.closed) == (2, 25, False)
    assert service.balance(user_id) == GRANT - 25
    # Settling applies to the new round; the first round's refund stands.
    settled = service.settle("job-1", 10)
    assert (settled.round, settled.actual_credits) == (2, 10)
    assert job_entries(dbsession, "job-1") == [
        (1, "job_reserve", -40),
        (1, "job_refund", 40),
        (2, "job_reserve", -25),
        (2, "job_final", 15),
    ]
    assert service.refund("job-1") == settled  # the round is closed: nothing more is written
    assert service.balance(user_id) == GRANT - 10


def test_a_third_round_follows_a_settled_second(service, dbsession, user_id):
    service.reserve(user_id, 10, "job-1")
    service.settle("job-1", 10)
    service.reserve_again("job-1", 10)
    service.settle("job-1", 4)

    service.reserve_again("job-1", 7)

    assert service.settlement_of("job-1").round == 3
    assert [row[0] for row in job_entries(dbsession, "job-1")] == [1, 1, 2, 2, 3]
    assert service.balance(user_id) == GRANT - 10 - 4 - 7


def test_reserving_again_while_the_round_is_open_is_a_conflict(service, dbsession, user_id):
    service.reserve(user_id, 40, "job-1")

    with pytest.raises(Conflict):
        service.reserve_again("job-1", 10)

    assert job_entries(dbsession, "job-1") == [(1, "job_reserve", -40)]


def test_reserving_again_for_a_job_that_never_reserved_is_not_found(service):
    with pytest.raises(NotFound):
        service.reserve_again("no-such-job", 10)


def test_reserving_again_beyond_the_balance_is_refused_and_writes_nothing(service, dbsession, user_id):
    service.reserve(user_id, 90, "job-1")
    service.settle("job-1", 90)

    with pytest.raises(InsufficientCredits) as refused:
        service.reserve_again("job-1", GRANT)

    assert refused.value.balance == GRANT - 90
    assert job_entries(dbsession, "job-1") == [(1, "job_reserve", -90), (1, "job_final", 0)]
    assert service.settlement_of("job-1").round == 1


def test_a_new_round_after_the_month_turned_takes_from_the_new_month(service, dbsession, user_id, clock):
    service.reserve(user_id, 60, "job-1")
    service.refund("job-1")
    clock.now = datetime.datetime(2027, 1, 3, 9, 0)

    service.reserve_again("job-1", 30)
    service.settle("job-1", 20)

    months = {
        entry.round: entry.month
        for entry in dbsession.scalars(select(CreditEntry).where(CreditEntry.job_id == "job-1"))
    }
    assert months == {1: "2026-12", 2: "2027-01"}
    assert service.balance(user_id) == GRANT - 20
