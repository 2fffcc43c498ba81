"""Events sent once a session's transaction commits, never after a rollback.

A subsystem that announces its changes (``jobs.events.JobChanged``,
``coverage.events.CoverageRunChanged``) must not announce what a rolled-back
request never wrote, nor before the row can be read by whoever listens.
"""

from sqlalchemy import event

# The events waiting for a session's commit, in its ``info``: {event: registry}.
PENDING = "db.pending_announcements"


def notify_after_commit(registry, db, announcement):
    """``registry.notify(announcement)`` once ``db`` commits; an equal announcement made twice is sent once."""
    pending = db.info.get(PENDING)
    if pending is None:
        pending = db.info[PENDING] = {}
        event.listen(db, "after_commit", _notify_pending)
        event.listen(db, "after_rollback", _forget_pending)
    pending[announcement] = registry


def _notify_pending(session):
    pending = session.info.get(PENDING, {})
    announcements = list(pending.items())
    pending.clear()
    for announcement, registry in announcements:
        registry.notify(announcement)


def _forget_pending(session):
    session.info.get(PENDING, {}).clear()
