"""Ledger invariants under any sequence of operations (hypothesis).

Whatever is reserved, settled, refunded, adjusted or refused, and across a
month's turn: each month's balance is the sum of its entries and never
negative, the summary adds up, and a job's entries add up to what it cost.
"""

import datetime
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from novel_pyramid.credits.errors import InsufficientCredits
from novel_pyramid.credits.models import CreditBalance, CreditEntry, Reason
from tests.unit.credits.conftest import Clock, credit_service, new_user

JOBS = 4

operations = st.lists(
    st.one_of(
        st.tuples(st.just("reserve"), st.integers(0, JOBS - 1), st.integers(0, 150)),
        st.tuples(st.just("settle"), st.integers(0, JOBS - 1), st.integers(0, 250)),
        st.tuples(st.just("refund"), st.integers(0, JOBS - 1), st.just(0)),
        st.tuples(st.just("adjust"), st.just(0), st.integers(-80, 80)),
        st.tuples(st.just("next_month"), st.just(0), st.just(0)),
    ),
    max_size=25,
)


def apply(service, user_id, clock, job_ids, operation, asked):
    name, job, amount = operation
    job_id = job_ids[job]
    if name == "next_month":
        clock.now = (clock.now.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        return
    try:
        if name == "reserve":
            if service.settlement_of(job_id) is None:
                service.reserve(user_id, amount, job_id)
        elif name == "adjust":
            service.adjust(user_id, amount, "property test")
        elif service.settlement_of(job_id) is not None:
            if name == "settle":
                asked.setdefault(job_id, amount)
                service.settle(job_id, amount)
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
        assert {entry.month for entry in entries} == {settlement.month}
        total = sum(entry.delta_credits for entry in entries)
        if not settlement.closed:
            assert total == -settlement.reserved
            continue
        assert total == -settlement.actual_credits
        if settlement.refunded:
            assert settlement.actual_credits == 0
        else:
            # The cost asked for, unless the balance could not cover what it exceeded.
            assert settlement.actual_credits <= asked[job_id]
            if asked[job_id] <= settlement.reserved:
                assert settlement.actual_credits == asked[job_id]
        assert len([entry for entry in entries if entry.reason in (Reason.JOB_FINAL, Reason.JOB_REFUND)]) == 1


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
