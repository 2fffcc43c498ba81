"""The sweeper: expired leases and work whose broker message was lost are sent again, each once."""

import datetime

import celery
import pytest
from sqlalchemy import update

from novel_pyramid.db import make_session_factory, own_transaction
from novel_pyramid.db.types import utcnow
from novel_pyramid.errors import ServiceUnavailable
from novel_pyramid.jobs.leases import LeaseTimings
from novel_pyramid.jobs.models import ChunkStatus, Job, JobChunk, JobStatus
from novel_pyramid.jobs.recovery import (
    BrokerState,
    BrokerWatch,
    LostTaskSweeper,
    claim_waiting_work,
    revoke_expired_leases,
)
from novel_pyramid.jobs.runner import Step
from tests.fakes.servers import redis_fixture
from tests.unit.jobs.helpers import reload

LONG_AGO = datetime.datetime(2000, 1, 1)
VISIBILITY_TIMEOUT = 3600

broker_redis = redis_fixture("broker_redis")


def in_transaction(engine, work):
    with own_transaction(make_session_factory(engine)) as (_, db):
        return work(db)


def age(dbsession, model, row_id, seconds_ago):
    when = utcnow() - datetime.timedelta(seconds=seconds_ago)
    dbsession.execute(update(model).where(model.id == row_id).values(updated_at=when))
    dbsession.commit()


def lease(dbsession, model, row_id, seconds_left, **values):
    expires_at = utcnow() + datetime.timedelta(seconds=seconds_left)
    dbsession.execute(
        update(model).where(model.id == row_id).values(lease_token="t" * 32, lease_expires_at=expires_at, **values)
    )
    dbsession.commit()


def test_expired_leases_are_revoked_once_and_live_ones_kept(engine, make_job, dbsession):
    job_id = make_job([["Un."], ["Deux."], ["Trois."]])
    expired, live, _ = [chunk.id for chunk in reload(dbsession, job_id).chunks]
    lease(dbsession, JobChunk, expired, -1, status=ChunkStatus.PROCESSING)
    lease(dbsession, JobChunk, live, 20, status=ChunkStatus.PROCESSING)
    extracting = make_job(step=Step.EXTRACTING)
    lease(dbsession, Job, extracting, -1)
    held = make_job(step=Step.EXTRACTING)
    lease(dbsession, Job, held, 20)

    assert in_transaction(engine, lambda db: revoke_expired_leases(db, utcnow())) == ([extracting], [expired])
    assert in_transaction(engine, lambda db: revoke_expired_leases(db, utcnow())) == ([], [])

    dbsession.expire_all()
    revoked = dbsession.get(JobChunk, expired)
    assert (revoked.status, revoked.lease_token, revoked.lease_expires_at) == (ChunkStatus.PENDING, None, None)
    assert dbsession.get(JobChunk, live).lease_token == "t" * 32
    assert dbsession.get(Job, extracting).lease_token is None and dbsession.get(Job, held).lease_token


def test_waiting_work_older_than_the_cutoff_is_claimed_once_per_period(engine, make_job, dbsession):
    job_id = make_job([["Un."], ["Deux."], ["Trois."]])
    pending, held, done = [chunk.id for chunk in reload(dbsession, job_id).chunks]
    lease(dbsession, JobChunk, held, 20, status=ChunkStatus.PROCESSING)
    dbsession.execute(update(JobChunk).where(JobChunk.id == done).values(status=ChunkStatus.DONE))
    queued = make_job(status=JobStatus.QUEUED, step=Step.QUEUED)
    revoked_extraction = make_job(step=Step.EXTRACTING)
    cancelled = make_job([["Quatre."]], status=JobStatus.CANCELLED, step=Step.FINISHED)
    for model, row_id in [(JobChunk, pending), (JobChunk, held), (JobChunk, done), (Job, queued)]:
        age(dbsession, model, row_id, 120)
    age(dbsession, Job, revoked_extraction, 120)
    age(dbsession, JobChunk, reload(dbsession, cancelled).chunks[0].id, 120)
    now = utcnow()

    assert in_transaction(engine, lambda db: claim_waiting_work(db, now - datetime.timedelta(seconds=200), now)) == (
        [],
        [],
    )
    claimed = in_transaction(engine, lambda db: claim_waiting_work(db, now - datetime.timedelta(seconds=60), now))
    assert claimed == ([queued, revoked_extraction], [pending])
    assert in_transaction(engine, lambda db: claim_waiting_work(db, now - datetime.timedelta(seconds=60), now)) == (
        [],
        [],
    )


def test_waiting_work_is_claimed_in_batches_oldest_first(engine, make_job, dbsession):
    job_id = make_job([["Un."], ["Deux."], ["Trois."]])
    chunks = [chunk.id for chunk in reload(dbsession, job_id).chunks]
    now = utcnow() + datetime.timedelta(seconds=1)

    first = in_transaction(engine, lambda db: claim_waiting_work(db, now, now, limit=2))
    second = in_transaction(engine, lambda db: claim_waiting_work(db, now, now, limit=2))

    assert (first, second) == (([], chunks[:2]), ([], chunks[2:]))


class Broker:
    """What a broker is made to tell the sweeper; the real ``BrokerWatch`` is tested against Redis below."""

    def __init__(self, **state):
        self.state = BrokerState(**state)
        self.forgotten = 0

    def observe(self):
        return self.state

    def forget_mark(self):
        self.forgotten += 1


def sweeper(engine, broker, sent):
    def send(job_ids, chunk_ids):
        sent.append((list(job_ids), list(chunk_ids)))

    return LostTaskSweeper(make_session_factory(engine), LeaseTimings(), VISIBILITY_TIMEOUT, broker, send)


@pytest.fixture
def waiting(make_job, dbsession):
    """A queued job submitted a second ago and one 40 s ago (more than a lease): their messages are gone."""
    fresh = make_job(status=JobStatus.QUEUED, step=Step.QUEUED)
    older = make_job(status=JobStatus.QUEUED, step=Step.QUEUED)
    age(dbsession, Job, fresh, 1)
    age(dbsession, Job, older, 40)
    return fresh, older


def test_a_broker_that_lost_its_data_gets_every_waiting_task_again_at_once(engine, waiting, dbsession):
    sent = []
    fresh, older = waiting

    # Jobs in the order they were submitted.
    assert sweeper(engine, Broker(data_lost=True), sent).sweep() == ([fresh, older], [])
    assert sent == [([fresh, older], [])]


def test_an_empty_queue_gets_again_the_work_waiting_longer_than_a_lease(engine, waiting):
    sent = []
    assert sweeper(engine, Broker(queue_empty=True), sent).sweep() == ([waiting[1]], [])


def test_a_busy_queue_gets_again_only_work_untouched_for_two_visibility_timeouts(engine, waiting, dbsession):
    sent = []
    assert sweeper(engine, Broker(), sent).sweep() == ([], [])
    age(dbsession, Job, waiting[1], 2 * VISIBILITY_TIMEOUT + 1)
    assert sweeper(engine, Broker(), sent).sweep() == ([waiting[1]], [])


def test_an_expired_lease_is_sent_again_whatever_the_broker_says(engine, make_job, dbsession):
    job_id = make_job([["Un."]])
    chunk_id = reload(dbsession, job_id).chunks[0].id
    lease(dbsession, JobChunk, chunk_id, -1, status=ChunkStatus.PROCESSING)
    sent = []

    assert sweeper(engine, Broker(), sent).sweep() == ([], [chunk_id])


def test_work_the_broker_refused_is_found_again_next_round(engine, waiting):
    broker = Broker(data_lost=True)

    def refuse(job_ids, chunk_ids):
        raise ServiceUnavailable("The processing queue is unavailable; please try again in a moment.")

    refusing = LostTaskSweeper(make_session_factory(engine), LeaseTimings(), VISIBILITY_TIMEOUT, broker, refuse)
    with pytest.raises(ServiceUnavailable):
        refusing.sweep()

    assert broker.forgotten == 1  # so the next round sees the loss again
    assert sweeper(engine, broker, []).sweep() == (list(waiting), [])


@pytest.fixture
def broker_app(broker_redis):
    app = celery.Celery("recovery-test", set_as_current=False, broker=broker_redis.url)
    yield app
    app.close()


def test_broker_watch_tells_when_redis_lost_its_data(broker_app, broker_redis):
    watch = BrokerWatch(broker_app)

    assert watch.observe().data_lost  # a new Redis: nothing marked yet
    assert not watch.observe().data_lost
    broker_redis.restart()  # no persistence: the mark is gone with everything else
    assert watch.observe().data_lost
    watch.forget_mark()
    assert watch.observe().data_lost
    assert not watch.observe().data_lost


def test_broker_watch_tells_whether_the_queue_is_empty(broker_app, broker_redis):
    watch = BrokerWatch(broker_app)
    assert watch.observe().queue_empty

    broker_app.send_task("novel_pyramid.tests.nothing")

    assert not watch.observe().queue_empty
    broker_redis.client().flushall()
    assert watch.observe().queue_empty
