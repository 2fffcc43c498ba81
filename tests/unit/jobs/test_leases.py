"""Leases: the worker running a chunk or an extraction holds it, renews it, and loses it cleanly when taken over."""

import dataclasses
import datetime
import time

import pytest
from sqlalchemy import select, update

from novel_pyramid.config import ConfigurationError, load_settings
from novel_pyramid.db import make_session_factory, own_transaction
from novel_pyramid.db.types import utcnow
from novel_pyramid.jobs.leases import LeaseKeeper, LeaseTimings
from novel_pyramid.jobs.models import ChunkResult, ChunkStatus, Job, JobChunk, JobStatus
from novel_pyramid.jobs.recovery import revoke_expired_leases
from novel_pyramid.jobs.runner import Step
from novel_pyramid.pipeline import ProcessingOptions
from tests.fakes.pdfs import novel_paragraphs, text_pdf
from tests.unit.jobs.helpers import Recorder, reload

LONG_AGO = datetime.datetime(2000, 1, 1)


class During(Recorder):
    """A normaliser that runs ``during()`` while it rewrites (as if another worker acted meanwhile), then answers."""

    def __init__(self, during, answer=None):
        super().__init__()
        self.during = during
        self.answer = answer

    def rewrite(self, sentences, limit, options=ProcessingOptions(), model=None):
        result = super().rewrite(sentences, limit, options, model)
        self.during()
        if self.answer is None:
            return result
        return dataclasses.replace(result, sentences=self.answer, sources=[0] * len(self.answer))


def chunk_row(dbsession, chunk_id):
    dbsession.expire_all()
    return dbsession.get(JobChunk, chunk_id)


def expire_lease(dbsession, model, row_id):
    dbsession.execute(update(model).where(model.id == row_id).values(lease_expires_at=LONG_AGO))
    dbsession.commit()


def test_a_running_chunk_holds_a_lease_that_a_second_delivery_leaves_alone(runner_for, make_job, dbsession):
    job_id = make_job([["Un."], ["Deux."]])
    first, _ = [chunk.id for chunk in reload(dbsession, job_id).chunks]
    seen = {}

    def meanwhile():
        row = chunk_row(dbsession, first)
        seen["lease"] = (row.status, row.lease_token, row.lease_expires_at)
        runner.normalize_chunk(first)  # the same task delivered again while the first runs

    normalizer = During(meanwhile)
    runner = runner_for(normalizer)
    runner.normalize_chunk(first)

    status, token, expires_at = seen["lease"]
    assert status == ChunkStatus.PROCESSING and len(token) == 32
    assert 15 < (expires_at - utcnow()).total_seconds() <= 20
    assert normalizer.calls == [["Un."]]
    row = chunk_row(dbsession, first)
    assert (row.status, row.attempts, row.output_sentences) == (ChunkStatus.DONE, 1, ["UN."])
    assert (row.lease_token, row.lease_expires_at) == (None, None)
    assert reload(dbsession, job_id).chunks_done == 1


def test_a_worker_whose_lease_was_taken_over_writes_nothing(runner_for, make_job, dbsession):
    job_id = make_job([["Un."], ["Deux."]])
    first, second = [chunk.id for chunk in reload(dbsession, job_id).chunks]
    successor = runner_for(Recorder())

    def stall_past_the_lease():
        # The first worker stalls; its lease expires and another worker takes the chunk and finishes it.
        expire_lease(dbsession, JobChunk, first)
        successor.normalize_chunk(first)

    zombie = runner_for(During(stall_past_the_lease, answer=["Écrit par un zombie."]))
    zombie.normalize_chunk(first)

    row = chunk_row(dbsession, first)
    assert (row.status, row.output_sentences, row.attempts) == (ChunkStatus.DONE, ["UN."], 2)
    # Its output was not kept for reuse either: only the successor's is.
    assert dbsession.scalars(select(ChunkResult.output_sentences)).all() == [["UN."]]
    successor.normalize_chunk(second)
    job = reload(dbsession, job_id)
    assert (job.status, job.chunks_done, job.sentences_count) == (JobStatus.COMPLETED, 2, 2)
    assert [chunk.output_sentences for chunk in job.chunks] == [["UN."], ["DEUX."]]


def test_the_heartbeat_keeps_a_slow_chunk_held_past_its_lease(runner_for, make_job, dbsession, engine):
    job_id = make_job([["Un."]])
    chunk_id = reload(dbsession, job_id).chunks[0].id
    found = {}

    def slow():
        time.sleep(2.5)  # two and a half lease lengths
        row = chunk_row(dbsession, chunk_id)
        found["left"] = (row.lease_expires_at - utcnow()).total_seconds()
        with own_transaction(make_session_factory(engine)) as (_, db):
            found["expired"] = revoke_expired_leases(db, utcnow())

    runner = runner_for(During(slow), **{"jobs.lease_seconds": 1.0, "jobs.heartbeat_seconds": 0.2})
    runner.normalize_chunk(chunk_id)

    assert found["expired"] == ([], [])
    assert 0.5 < found["left"] <= 1.0
    row = chunk_row(dbsession, chunk_id)
    assert (row.status, row.attempts) == (ChunkStatus.DONE, 1)


def test_a_heartbeat_learns_which_leases_were_taken_over(engine, runner_for, make_job, dbsession):
    job_id = make_job([["Un."], ["Deux."]])
    chunks = [chunk.id for chunk in reload(dbsession, job_id).chunks]
    tokens = ["a" * 32, "b" * 32]
    for chunk_id, token in zip(chunks, tokens, strict=True):
        dbsession.execute(
            update(JobChunk)
            .where(JobChunk.id == chunk_id)
            .values(status=ChunkStatus.PROCESSING, lease_token=token, lease_expires_at=utcnow())
        )
    dbsession.execute(update(JobChunk).where(JobChunk.id == chunks[1]).values(lease_token="c" * 32))
    dbsession.commit()
    keeper = LeaseKeeper(make_session_factory(engine), LeaseTimings())

    lost = keeper.renew({token: JobChunk for token in tokens})

    assert lost == {tokens[1]}
    renewed = chunk_row(dbsession, chunks[0]).lease_expires_at
    assert 19 < (renewed - utcnow()).total_seconds() <= 20


def test_a_task_that_dies_with_an_error_releases_its_lease_at_once(runner_for, make_job, dbsession):
    job_id = make_job([["Un."]])
    chunk_id = reload(dbsession, job_id).chunks[0].id

    def interrupted():
        raise SystemExit("the worker is shutting down")

    with pytest.raises(SystemExit):
        runner_for(During(interrupted)).normalize_chunk(chunk_id)

    row = chunk_row(dbsession, chunk_id)
    assert row.status == ChunkStatus.PROCESSING and row.lease_expires_at <= utcnow()
    with own_transaction(make_session_factory(dbsession.get_bind())) as (_, db):
        assert revoke_expired_leases(db, utcnow()) == ([], [chunk_id])


def test_a_failed_task_does_not_fail_a_chunk_another_worker_holds(runner_for, make_job, dbsession):
    job_id = make_job([["Un."]])
    chunk_id = reload(dbsession, job_id).chunks[0].id
    runner = runner_for()

    def meanwhile():
        # The task of an earlier delivery fails for good (on_failure) while this worker holds the chunk.
        runner.fail_chunk(chunk_id)

    runner_for(During(meanwhile)).normalize_chunk(chunk_id)

    job = reload(dbsession, job_id)
    assert (job.status, job.chunks_done, job.chunks_failed) == (JobStatus.COMPLETED, 1, 0)


def test_an_extraction_another_worker_holds_is_left_alone_until_its_lease_expires(runner_for, make_job, dbsession):
    job_id = make_job(upload=text_pdf(novel_paragraphs(24)), step=Step.EXTRACTING)
    dbsession.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(lease_token="x" * 32, lease_expires_at=utcnow() + datetime.timedelta(seconds=30))
    )
    dbsession.commit()
    sent = []

    runner_for().extract(job_id, sent.extend)
    assert sent == [] and reload(dbsession, job_id).chunks == []

    expire_lease(dbsession, Job, job_id)
    runner_for().extract(job_id, sent.extend)

    job = reload(dbsession, job_id)
    assert (job.status, job.step, job.lease_token, job.lease_expires_at) == (
        JobStatus.PROCESSING,
        Step.NORMALIZING,
        None,
        None,
    )
    assert sent == [chunk.id for chunk in job.chunks] and len(sent) > 4


def test_an_extraction_whose_lease_was_taken_over_stores_no_more_chunks(runner_for, make_job, dbsession):
    job_id = make_job(upload=text_pdf(novel_paragraphs(24)), status=JobStatus.QUEUED, step=Step.QUEUED)
    batches = []

    def send(chunk_ids):
        batches.append(list(chunk_ids))
        if len(batches) == 2:  # the first stored batch is sent: another worker takes the extraction over
            dbsession.execute(update(Job).where(Job.id == job_id).values(lease_token="y" * 32))
            dbsession.commit()

    runner_for().extract(job_id, send)

    job = reload(dbsession, job_id)
    assert (job.step, job.lease_token) == (Step.EXTRACTING, "y" * 32)
    assert [chunk.id for chunk in job.chunks] == batches[1]
    assert job.upload is not None  # left for the worker that holds the extraction now


def test_lease_timings_are_settings_and_a_heartbeat_must_fit_twice_in_a_lease():
    settings = load_settings({}, {"JOBS_LEASE_SECONDS": "12", "JOBS_HEARTBEAT_SECONDS": "4"})
    assert LeaseTimings.from_settings(settings) == LeaseTimings(12.0, 4.0, 5.0)
    assert LeaseTimings.from_settings(load_settings({}, {})) == LeaseTimings(20.0, 5.0, 5.0) == LeaseTimings()
    with pytest.raises(ConfigurationError, match="at most half"):
        LeaseTimings.from_settings(load_settings({"jobs.heartbeat_seconds": "11"}, {}))
