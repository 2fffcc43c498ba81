"""Ledger invariants under any sequence of operations (hypothesis).

Whatever is reserved, reserved again for a retry, settled (at credits or at a
token count), refunded, adjusted or refused, and across a month's turn: each
month's balance is the sum of its entries and never negative, the summary adds
up, and each billing round of a job adds up to what that round cost.
"""

import datetime
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from novel_pyramid.credits.errors import InsufficientCredits
from novel_pyramid.credits.models import CreditBalance, CreditEntry, Reason
from novel_pyramid.credits.pricing import PriceTable
from tests.unit.credits.conftest import Clock, credit_service, default_settings, new_user

PRICES = PriceTable.from_settings(default_settings())

JOBS = 4

operations = st.lists(
    st.one_of(
        st.tuples(st.just("reserve"), st.integers(0, JOBS - 1), st.integers(0, 150)),
        st.tuples(st.just("settle"), st.integers(0, JOBS - 1), st.integers(0, 250)),
        st.tuples(st.just("settle_tokens"), st.integers(0, JOBS - 1), st.integers(0, 80_000)),
        st.tuples(st.just("reserve_again"), st.integers(0, JOBS - 1), st.integers(0, 150)),
        st.tuples(st.just("refund"), st.integers(0, JOBS - 1), st.just(0)),
        st.tuples(st.just("adjust"), st.just(0), st.integers(-80, 80)),
        st.tuples(st.just("next_month"), st.just(0), st.just(0)),
    ),
    max_size=30,
)


def apply(service, user_id, clock, job_ids, operation, asked):
    name, job, amount = operation
    job_id = job_ids[job]
    if name == "next_month":
        clock.now = (clock.now.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        return
    try:
        current = service.settlement_of(job_id)
        if name == "reserve":
            if current is None:
                service.reserve(user_id, amount, job_id)
        elif name == "adjust":
            service.adjust(user_id, amount, "property test")
        elif name == "reserve_again":
            if current is not None and current.closed:
                service.reserve_again(job_id, amount)
        elif current is not None:
            key = (job_id, current.round)
            if name == "settle":
                asked.setdefault(key, amount)
                service.settle(job_id, amount)
            elif name == "settle_tokens":
                asked.setdefault(key, PRICES.credits_for(amount, PRICES.rate_of("gemini-2.5-flash")))
                service.settle_tokens(job_id, "gemini-2.5-flash", amount)
            else:
                service.refund(job_id)
    except InsufficientCredits:
        pass


def check_invariants(dbsession, service, user_id, job_ids, asked):
    summary = service.summary(user_id)
    sums = dict(
        dbsession.execute(
            select(CreditEntry.month, func.sum(CreditEntry.delta_credits))
            .where(CreditEntry.user_id == user_id)
            .group_by(CreditEntry.month)
        ).all()
    )
    balances = dict(
        dbsession.execute(
            select(CreditBalance.month, CreditBalance.balance).where(CreditBalance.user_id == user_id)
        ).all()
    )
    assert balances == sums
    assert all(balance >= 0 for balance in balances.values())

    assert summary.balance == summary.granted + summary.adjusted - summary.used + summary.refunded
    assert summary.balance == balances[summary.month]

    for job_id in job_ids:
        settlement = service.settlement_of(job_id)
        if settlement is None:
            continue
        entries = dbsession.scalars(select(CreditEntry).where(CreditEntry.job_id == job_id)).all()
        rounds = sorted({entry.round for entry in entries})
        assert rounds == list(range(1, settlement.round + 1))
        for billing_round in rounds:
            check_round(job_id, billing_round, [e for e in entries if e.round == billing_round], settlement, asked)


def check_round(job_id, billing_round, entries, current, asked):
    """One round: a reservation, at most one closing, in one month; together they are what the round cost."""
    reserves = [entry for entry in entries if entry.reason == Reason.JOB_RESERVE]
    closings = [entry for entry in entries if entry.reason in (Reason.JOB_FINAL, Reason.JOB_REFUND)]
    assert len(reserves) == 1 and len(closings) <= 1 and len(entries) == len(reserves) + len(closings)
    assert len({entry.month for entry in entries}) == 1
    reserved = -reserves[0].delta_credits
    total = sum(entry.delta_credits for entry in entries)
    if billing_round == current.round:
        assert current.reserved == reserved and current.closed == bool(closings)
        if closings:
            assert total == -current.actual_credits
    if billing_round < current.round:
        assert closings, "a new round opened before the previous one closed"
    if not closings:
        assert total == -reserved
        return
    cost = -total
    if closings[0].reason == Reason.JOB_REFUND:
        assert cost == 0
    else:
        # The cost asked for, unless the balance could not cover what it exceeded.
        wanted = asked[(job_id, billing_round)]
        assert 0 <= cost <= wanted
        if wanted <= reserved:
            assert cost == wanted


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=operations)
def test_the_ledger_adds_up_whatever_happens(dbsession, steps):
    # A new user and clock for each example: the examples share the test's database.
    clock = Clock()
    service = credit_service(dbsession, clock)
    user_id = new_user(dbsession)
    job_ids = [str(uuid.uuid4()) for _ in range(JOBS)]
    asked = {}
    for step in steps:
        apply(service, user_id, clock, job_ids, step, asked)
        check_invariants(dbsession, service, user_id, job_ids, asked)
