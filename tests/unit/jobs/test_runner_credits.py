"""A job with a reservation: settled at the price of the tokens its chunks used, refunded whole otherwise.

The runner finds the credits ledger through the application's registry, as a
worker does; a cancel goes through the jobs service, as the API's does.
"""

import datetime

import pytest
from sqlalchemy import select, update

from novel_pyramid.credits.interfaces import ICreditService, IPriceTable
from novel_pyramid.credits.models import CreditEntry, Reason
from novel_pyramid.db import make_session_factory, own_transaction
from novel_pyramid.db.types import utcnow
from novel_pyramid.jobs.interfaces import IJobService
from novel_pyramid.jobs.models import ChunkStatus, JobChunk, JobStatus
from novel_pyramid.jobs.recovery import revoke_expired_leases
from novel_pyramid.jobs.runner import Step
from novel_pyramid.tasks import blank_request
from tests.fakes.pdfs import novel_paragraphs, text_pdf
from tests.unit.jobs.conftest import in_transaction
from tests.unit.jobs.helpers import Recorder, reload

MODEL = "gemini-2.5-flash"
RESERVED = 500


@pytest.fixture
def reserved_job(make_job, dbsession, engine, registry):
    def make(chunks=(), **columns):
        job_id = make_job(chunks, model=MODEL, estimated_credits=RESERVED, **columns)
        user_id = reload(dbsession, job_id).user_id
        in_transaction(engine, registry, ICreditService, lambda credits: credits.reserve(user_id, RESERVED, job_id))
        return job_id

    return make


def settlement(engine, registry, job_id):
    return in_transaction(engine, registry, ICreditService, lambda credits: credits.settlement_of(job_id))


def entries(dbsession, job_id):
    return dbsession.execute(
        select(CreditEntry.reason, CreditEntry.delta_credits)
        .where(CreditEntry.job_id == job_id)
        .order_by(CreditEntry.id)
    ).all()


def price_of(registry, tokens):
    prices = blank_request(registry).find_service(IPriceTable)
    return prices.credits_for(tokens, prices.rate_of(MODEL))


def test_a_completed_job_is_charged_the_price_of_the_tokens_it_used(
    run_with, reserved_job, dbsession, engine, registry
):
    words = " ".join(["mot"] * 400)
    job_id = reserved_job([[f"{words}."], [f"{words} encore."]])
    runner = run_with(Recorder())

    for chunk in reload(dbsession, job_id).chunks:
        runner.normalize_chunk(chunk.id)

    job = reload(dbsession, job_id)
    assert job.status == JobStatus.COMPLETED and job.round_tokens == 3 * (400 + 401)
    cost = price_of(registry, job.round_tokens)
    assert 0 < cost < RESERVED
    assert entries(dbsession, job_id) == [(Reason.JOB_RESERVE, -RESERVED), (Reason.JOB_FINAL, RESERVED - cost)]
    assert settlement(engine, registry, job_id).actual_credits == cost


def test_a_failed_job_is_refunded_whole(run_with, reserved_job, dbsession, engine, registry):
    job_id = reserved_job([["Un."], ["Deux."]])
    runner = run_with(Recorder(failing={"Un."}))

    for chunk in reload(dbsession, job_id).chunks:
        runner.normalize_chunk(chunk.id)

    assert reload(dbsession, job_id).status == JobStatus.FAILED
    assert entries(dbsession, job_id) == [(Reason.JOB_RESERVE, -RESERVED), (Reason.JOB_REFUND, RESERVED)]


def test_a_worker_killed_mid_job_leaves_the_reservation_open_until_recovery_ends_the_job(
    run_with, reserved_job, dbsession, engine, registry
):
    job_id = reserved_job([["Un deux trois."], ["Quatre cinq."]])
    first, lost = [chunk.id for chunk in reload(dbsession, job_id).chunks]
    normalizer = Recorder()
    runner = run_with(normalizer)
    runner.normalize_chunk(first)
    # The worker took the second chunk and was killed: its lease is left to expire.
    dbsession.execute(
        update(JobChunk)
        .where(JobChunk.id == lost)
        .values(
            status=ChunkStatus.PROCESSING,
            attempts=1,
            lease_token="k" * 32,
            lease_expires_at=utcnow() - datetime.timedelta(seconds=1),
        )
    )
    dbsession.commit()
    assert reload(dbsession, job_id).status == JobStatus.PROCESSING
    assert not settlement(engine, registry, job_id).closed

    with own_transaction(make_session_factory(engine)) as (_, db):
        _, resent = revoke_expired_leases(db, utcnow())
    assert resent == [lost] and not settlement(engine, registry, job_id).closed
    runner.normalize_chunk(lost)

    job = reload(dbsession, job_id)
    assert job.status == JobStatus.COMPLETED and job.round_tokens == 3 * 3 + 3 * 2
    assert settlement(engine, registry, job_id).actual_credits == price_of(registry, job.round_tokens)
    assert [reason for reason, _ in entries(dbsession, job_id)] == [Reason.JOB_RESERVE, Reason.JOB_FINAL]


def test_a_cancel_between_extraction_batches_sends_no_further_chunk_to_the_normaliser(
    run_with, reserved_job, dbsession, engine, registry
):
    job_id = reserved_job(upload=text_pdf(novel_paragraphs(24)), status=JobStatus.QUEUED, step=Step.QUEUED)
    user_id = reload(dbsession, job_id).user_id
    normalizer = Recorder()
    runner = run_with(normalizer)
    sent = []

    def cancel_after_the_first_batch(chunk_ids):
        sent.extend(chunk_ids)
        if chunk_ids and len(sent) == len(chunk_ids):
            in_transaction(engine, registry, IJobService, lambda jobs: jobs.cancel(user_id, job_id))

    runner.extract(job_id, cancel_after_the_first_batch)
    for chunk_id in sent:
        runner.normalize_chunk(chunk_id)

    job = reload(dbsession, job_id)
    assert job.status == JobStatus.CANCELLED and 0 < len(sent) == len(job.chunks) < 12
    assert normalizer.calls == [] and {chunk.status for chunk in job.chunks} == {ChunkStatus.CANCELLED}
    assert (job.model_calls, job.round_tokens) == (0, 0)
    assert entries(dbsession, job_id) == [(Reason.JOB_RESERVE, -RESERVED), (Reason.JOB_REFUND, RESERVED)]
