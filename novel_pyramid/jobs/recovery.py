"""Sending again the work that a lost worker or a lost broker took with it, within seconds.

Every worker runs a ``LostTaskSweeper`` thread. Each round, at start-up and
then every ``jobs.sweep_seconds``:

1. Expired leases (``leases``): a chunk or an extraction whose worker stopped
   renewing its lease (killed, a lost node, stalled) is revoked (its token
   cleared, a chunk put back to pending) and sent again.
2. Lost messages: work waiting for a worker (a queued job, an extraction or a
   chunk nobody holds) whose message is no longer in the broker. The broker
   tells (``BrokerWatch``):

   - it lost its data (a Redis restarted without persistence, flushed, or
     failed over to an empty replica): a mark every sweeper keeps in it is
     gone. The sweeper that sets it again sends all waiting work at once;
   - its queue is empty, so work waiting for longer than a lease has no
     message left (a message taken by a worker killed before it was recorded
     as unacknowledged, writes lost in a crash): it is sent again;
   - otherwise waiting work untouched for two visibility timeouts is sent
     again, as a last resort while the queue never drains.

Rows are claimed in batches with conditional UPDATEs (RETURNING the rows that
moved), so concurrent sweepers send each once. The messages go out before the
claim commits: a broker that refuses them rolls the claim back, and the next
round tries again. A task that arrives before the commit waits for the row
lock and then finds the claimed row. A message sent twice is harmless: a
live lease or a settled row turns the second delivery away (``runner``).
"""

import dataclasses
import datetime
import logging
import threading

import sqlalchemy.exc
from sqlalchemy import and_, or_, select, update

from novel_pyramid.db import own_transaction
from novel_pyramid.db.types import utcnow
from novel_pyramid.errors import ServiceUnavailable
from novel_pyramid.jobs.interfaces import ILeaseKeeper
from novel_pyramid.jobs.leases import NO_LEASE
from novel_pyramid.jobs.models import ChunkStatus, Job, JobChunk, JobStatus
from novel_pyramid.jobs.settlement import Step
from novel_pyramid.tasks import BROKER_ERRORS

log = logging.getLogger(__name__)

# The database or broker away for a while: logged in one line, tried again next round.
OUTAGES = (sqlalchemy.exc.OperationalError, ServiceUnavailable, *BROKER_ERRORS)

# Rows claimed and sent per transaction, so no claim holds many row locks for long.
BATCH_SIZE = 500


def revoke_expired_leases(db, now, limit=BATCH_SIZE):
    """``(job_ids, chunk_ids)`` whose lease expired, revoked: to send again. At most ``limit`` of each."""
    job_ids = _claim(
        db,
        Job,
        (Job.status == JobStatus.PROCESSING, Job.step == Step.EXTRACTING, Job.lease_expires_at < now),
        NO_LEASE,
        limit,
    )
    chunk_ids = _claim(
        db,
        JobChunk,
        (JobChunk.status == ChunkStatus.PROCESSING, JobChunk.lease_expires_at < now),
        {"status": ChunkStatus.PENDING, **NO_LEASE},
        limit,
    )
    return job_ids, chunk_ids


def claim_waiting_work(db, cutoff, now, limit=BATCH_SIZE):
    """``(job_ids, chunk_ids)`` waiting for a worker, untouched since ``cutoff``; touched, so found once per period."""
    unleased_job = Job.lease_expires_at.is_(None)
    job_ids = _claim(
        db,
        Job,
        (
            or_(
                Job.status == JobStatus.QUEUED,
                and_(Job.status == JobStatus.PROCESSING, Job.step == Step.EXTRACTING, unleased_job),
            ),
            Job.updated_at < cutoff,
        ),
        {"updated_at": now},
        limit,
    )
    # A processing chunk without a lease was claimed by a release before leases.
    chunk_ids = _claim(
        db,
        JobChunk,
        (
            or_(
                JobChunk.status == ChunkStatus.PENDING,
                and_(JobChunk.status == ChunkStatus.PROCESSING, JobChunk.lease_expires_at.is_(None)),
            ),
            JobChunk.job_id.in_(select(Job.id).where(Job.status == JobStatus.PROCESSING)),
            JobChunk.updated_at < cutoff,
        ),
        {"updated_at": now},
        limit,
    )
    return job_ids, chunk_ids


def _claim(db, model, conditions, values, limit):
    """Update up to ``limit`` rows meeting ``conditions``; the ids of those that moved, oldest work first.

    The conditions are repeated outside the subquery: a row another sweeper
    claimed meanwhile is checked again once its lock is released, and skipped.
    """
    order = (model.job_id, model.position) if model is JobChunk else (model.created_at, model.id)
    candidates = select(model.id).where(*conditions).order_by(*order).limit(limit)
    rows = db.execute(
        update(model)
        .where(model.id.in_(candidates), *conditions)
        .values(**values)
        .returning(model.id, *order)
        .execution_options(synchronize_session=False)
    ).all()
    return [row[0] for row in sorted(rows, key=lambda row: tuple(row[1:]))]


@dataclasses.dataclass(frozen=True)
class BrokerState:
    data_lost: bool = False
    queue_empty: bool = False


class BrokerWatch:
    """What the broker tells of lost messages: whether it lost its data since last asked, whether its queue is empty."""

    # Kept in the broker's Redis database, beside the queues it would vanish with.
    MARK_KEY = "novel_pyramid:broker-mark"

    def __init__(self, celery_app):
        self.app = celery_app

    def observe(self):
        """A ``BrokerState``; raises the broker's errors when it cannot be reached."""
        with self.app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1)
            channel = connection.default_channel
            return BrokerState(
                data_lost=self._mark_was_missing(connection, channel),
                queue_empty=self._queue_empty(connection, channel),
            )

    def forget_mark(self):
        """Remove the mark again, so the next round sees the loss once more (its resend failed)."""
        with self.app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1)
            with connection.default_channel.conn_or_acquire() as client:
                client.delete(self.MARK_KEY)

    def _mark_was_missing(self, connection, channel):
        if connection.transport.driver_type != "redis":
            return False  # brokers with durable queues keep their messages
        with channel.conn_or_acquire() as client:
            return bool(client.set(self.MARK_KEY, utcnow().isoformat(), nx=True))

    def _queue_empty(self, connection, channel):
        try:
            declared = channel.queue_declare(queue=self.app.conf.task_default_queue, passive=True)
        except connection.channel_errors:
            return True  # Redis keeps no empty queue: "not found" means no message waits
        return declared.message_count == 0


class LostTaskSweeper(threading.Thread):
    """A daemon thread of every worker that sends again, each round, what a lost worker or broker took."""

    def __init__(self, session_factory, timings, visibility_timeout, watch, send):
        super().__init__(name="lost-task-sweeper", daemon=True)
        self.session_factory = session_factory
        self.timings = timings
        self.last_resort_age = datetime.timedelta(seconds=2 * visibility_timeout)
        self.watch = watch
        self.send = send
        self.stopping = threading.Event()

    @classmethod
    def from_request(cls, request, send):
        registry = request.registry
        return cls(
            registry["db.session_factory"],
            request.find_service(ILeaseKeeper).timings,
            registry.settings["celery.visibility_timeout"],
            BrokerWatch(registry["celery.app"]),
            send,
        )

    def run(self):
        while True:
            try:
                self.sweep()
            except OUTAGES as error:
                log.warning("The lost-task sweep failed; trying again in %s s: %s", self.timings.sweep_seconds, error)
            except Exception:
                log.exception("The lost-task sweep failed")
            if self.stopping.wait(self.timings.sweep_seconds):
                return

    def sweep(self):
        """One round: ``(job_ids, chunk_ids)`` sent again."""
        now = utcnow()
        jobs, chunks = self._send_claimed(lambda db: revoke_expired_leases(db, now), "whose lease expired")
        state = self.watch.observe()
        if state.data_lost:
            cutoff, reason = now, "whose message the broker lost with its data"
        elif state.queue_empty:
            cutoff, reason = (
                now - datetime.timedelta(seconds=self.timings.lease_seconds),
                "missing from the empty queue",
            )
        else:
            cutoff, reason = now - self.last_resort_age, "untouched for two visibility timeouts"
        try:
            waiting_jobs, waiting_chunks = self._send_claimed(lambda db: claim_waiting_work(db, cutoff, now), reason)
        except Exception:
            if state.data_lost:
                self.watch.forget_mark()
            raise
        return jobs + waiting_jobs, chunks + waiting_chunks

    def _send_claimed(self, claim, reason):
        sent_jobs, sent_chunks = [], []
        while True:
            with own_transaction(self.session_factory) as (_, db):
                job_ids, chunk_ids = claim(db)
                if job_ids or chunk_ids:
                    self.send(job_ids, chunk_ids)
            if job_ids or chunk_ids:
                log.warning("Sent again %d extraction(s) and %d chunk(s) %s", len(job_ids), len(chunk_ids), reason)
            sent_jobs += job_ids
            sent_chunks += chunk_ids
            if len(job_ids) < BATCH_SIZE and len(chunk_ids) < BATCH_SIZE:
                return sent_jobs, sent_chunks
