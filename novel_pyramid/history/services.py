"""History entries: listing, deleting, and recording the end of a job."""

from sqlalchemy import delete, select

from novel_pyramid.errors import NotFound
from novel_pyramid.history.models import HistoryEntry


class HistoryService:
    def __init__(self, dbsession):
        self.db = dbsession

    def latest(self, user_id, limit):
        return self.db.scalars(
            select(HistoryEntry)
            .where(HistoryEntry.user_id == user_id)
            .order_by(HistoryEntry.timestamp.desc(), HistoryEntry.id.desc())
            .limit(limit)
        ).all()

    def delete(self, user_id, entry_id):
        # Another user's entry is reported as missing: its existence is not ours to reveal.
        result = self.db.execute(
            delete(HistoryEntry).where(HistoryEntry.id == entry_id, HistoryEntry.user_id == user_id)
        )
        if result.rowcount == 0:
            raise NotFound("History entry not found")
