"""``CoverageRunChanged``: what the coverage subsystem announces after a commit that changed a run.

The same pattern as ``jobs.events``: whoever follows runs (the live progress)
subscribes through the registry; this package imports nothing of theirs. A
change made in a request's transaction is announced once it commits, never
after a rollback; a runner's own transactions announce right after committing.
"""

import dataclasses

from novel_pyramid.db.announcements import notify_after_commit


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


def announce_after_commit(registry, db, run_id):
    """Announce once ``db``'s transaction commits; never if it rolls back."""
    if registry is not None and run_id is not None:
        notify_after_commit(registry, db, CoverageRunChanged(run_id))
