"""Sending again the tasks that a lost worker may have taken with it.

Redis hands the unacknowledged task of a killed worker to another worker once
its visibility timeout has passed. It cannot do so for a message the worker
had just popped from the queue but not yet recorded as unacknowledged: a
SIGKILL in that instant loses the message. So every worker also looks, from
time to time, for work nothing has touched for two visibility timeouts (Redis
has had its chance by then) and sends it again. Each row is claimed with a
conditional UPDATE, so concurrent workers send it once; a duplicate that still
reaches a chunk is harmless (see ``runner``).
"""

import datetime
import logging
import threading

from sqlalchemy import or_, select, update

from novel_pyramid.db.types import utcnow
from novel_pyramid.jobs.models import Job, JobChunk, JobStatus
from novel_pyramid.jobs.runner import UNSETTLED, Step
from novel_pyramid.jobs.transactions import own_transaction

log = logging.getLogger(__name__)


def stale_work(session_factory, older_than_seconds):
    """``(job_ids, chunk_ids)`` untouched for ``older_than_seconds``: extractions and chunks to send again.

    Their ``updated_at`` is set to now, so they are not found again before
    another period has passed.
    """
    now = utcnow()
    cutoff = now - datetime.timedelta(seconds=older_than_seconds)
    with own_transaction(session_factory) as (_, db):
        job_ids = db.scalars(
            select(Job.id).where(
                or_(
                    Job.status == JobStatus.QUEUED, (Job.status == JobStatus.PROCESSING) & (Job.step == Step.EXTRACTING)
                ),
                Job.updated_at < cutoff,
            )
        ).all()
        chunk_ids = db.scalars(
            select(JobChunk.id)
            .join(Job, Job.id == JobChunk.job_id)
            .where(Job.status == JobStatus.PROCESSING, JobChunk.status.in_(UNSETTLED), JobChunk.updated_at < cutoff)
            .order_by(JobChunk.job_id, JobChunk.position)
        ).all()

        def claimed(model, row_id):
            statement = update(model).where(model.id == row_id, model.updated_at < cutoff).values(updated_at=now)
            return db.execute(statement).rowcount == 1

        return [i for i in job_ids if claimed(Job, i)], [i for i in chunk_ids if claimed(JobChunk, i)]


class LostTaskSweeper(threading.Thread):
    """A daemon thread of the worker that sends stale work again every half visibility timeout."""

    def __init__(self, session_factory, visibility_timeout, send):
        super().__init__(name="lost-task-sweeper", daemon=True)
        self.session_factory = session_factory
        self.older_than = 2 * visibility_timeout
        self.interval = max(1, min(60, visibility_timeout // 2))
        self.send = send
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.wait(self.interval):
            try:
                job_ids, chunk_ids = stale_work(self.session_factory, self.older_than)
                if job_ids or chunk_ids:
                    log.warning(
                        "Sending again %d extraction(s) and %d chunk(s) of lost tasks", len(job_ids), len(chunk_ids)
                    )
                    self.send(job_ids, chunk_ids)
            except Exception:
                # The database or broker may be away for a while; the next round tries again.
                log.exception("The lost-task sweep failed")
