"""``JobChanged``: what the jobs subsystem announces after a commit that changed a job, for whoever follows it.

The live progress (``novel_pyramid.realtime``) subscribes to it; ``jobs`` does
not know who listens, so it imports nothing of theirs. A registry without
subscribers makes an announcement cost one lookup.
"""

import contextlib
import dataclasses
import threading

from sqlalchemy import event


@dataclasses.dataclass(frozen=True)
class JobChanged:
    job_id: str


def job_room(job_id):
    """The name under which a job's followers are reached (Socket.IO room, event stream)."""
    return f"job:{job_id}"


def announce(registry, job_id):
    """Notify ``JobChanged(job_id)``; nothing without a registry (runners built by hand in tests)."""
    if registry is not None and job_id is not None:
        registry.notify(JobChanged(job_id))


# The announcements waiting for a session's commit, in its ``info``.
PENDING = "jobs.pending_announcements"


def announce_after_commit(registry, db, job_id):
    """Announce once ``db``'s transaction commits (a change made in a request's transaction); never if it rolls back."""
    pending = db.info.get(PENDING)
    if pending is None:
        pending = db.info[PENDING] = {}
        event.listen(db, "after_commit", _announce_pending)
        event.listen(db, "after_rollback", _forget_pending)
    pending[job_id] = registry


def _announce_pending(session):
    pending = session.info.get(PENDING, {})
    announcements = list(pending.items())
    pending.clear()
    for job_id, registry in announcements:
        announce(registry, job_id)


def _forget_pending(session):
    session.info.get(PENDING, {}).clear()


@contextlib.contextmanager
def announcing_every(registry, job_id, seconds):
    """Announce the job every ``seconds`` until the block ends: followers hear from a job while a long call runs."""
    if registry is None:
        yield
        return
    stopped = threading.Event()

    def tick():
        while not stopped.wait(seconds):
            announce(registry, job_id)

    ticker = threading.Thread(target=tick, name=f"progress-{job_id}", daemon=True)
    ticker.start()
    try:
        yield
    finally:
        stopped.set()
        ticker.join()
