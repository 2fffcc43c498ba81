"""``JobChanged``: what the jobs subsystem announces after a commit that changed a job, for whoever follows it.

The live progress (``novel_pyramid.realtime``) subscribes to it; ``jobs`` does
not know who listens, so it imports nothing of theirs. A registry without
subscribers makes an announcement cost one lookup.
"""

import contextlib
import dataclasses
import threading

from novel_pyramid.db.announcements import notify_after_commit


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


def announce_after_commit(registry, db, job_id):
    """Announce once ``db``'s transaction commits (a change made in a request's transaction); never if it rolls back."""
    if registry is not None and job_id is not None:
        notify_after_commit(registry, db, JobChanged(job_id))


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
