"""``CoverageRunChanged``: what the coverage subsystem announces after a commit that changed a run.

The same pattern as ``jobs.events``: whoever follows runs (the live progress)
subscribes through the registry; this package imports nothing of theirs. A
change made in a request's transaction is announced once it commits, never
after a rollback; a runner's own transactions announce right after committing.
"""

import dataclasses

from sqlalchemy import event


@dataclasses.dataclass(frozen=True)
class CoverageRunChanged:
    run_id: int


def run_room(run_id):
    """The name under which a run's followers are reached (Socket.IO room, event stream)."""
    return f"coverage_run:{run_id}"


def announce(registry, run_id):
    """Notify ``CoverageRunChanged(run_id)``; nothing without a registry (services built by hand in tests)."""
    if registry is not None and run_id is not None:
        registry.notify(CoverageRunChanged(run_id))


# The announcements waiting for a session's commit, in its ``info``.
PENDING = "coverage.pending_announcements"


def announce_after_commit(registry, db, run_id):
    """Announce once ``db``'s transaction commits; never if it rolls back."""
    pending = db.info.get(PENDING)
    if pending is None:
        pending = db.info[PENDING] = {}
        event.listen(db, "after_commit", _announce_pending)
        event.listen(db, "after_rollback", _forget_pending)
    pending[run_id] = registry


def _announce_pending(session):
    pending = session.info.get(PENDING, {})
    announcements = list(pending.items())
    pending.clear()
    for run_id, registry in announcements:
        announce(registry, run_id)


def _forget_pending(session):
    session.info.get(PENDING, {}).clear()
