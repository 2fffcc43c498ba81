"""History entries: listing, deleting, and recording the end of a job."""

from sqlalchemy import delete, select

from novel_pyramid.errors import NotFound
from novel_pyramid.history.models import HistoryEntry

# Listing reads columns, not ORM objects: for a page of rows that are only
# serialised, building and tracking identity-mapped instances is wasted time.
LISTED_COLUMNS = (
    HistoryEntry.id,
    HistoryEntry.timestamp,
    HistoryEntry.original_filename,
    HistoryEntry.processed_sentences_count,
    HistoryEntry.spreadsheet_url,
    HistoryEntry.error_message,
)


class HistoryService:
    def __init__(self, dbsession):
        self.db = dbsession

    @staticmethod
    def latest_query(user_id, limit):
        """Newest first; ix_history_user_id_timestamp_id serves it without a sort."""
        return (
            select(*LISTED_COLUMNS)
            .where(HistoryEntry.user_id == user_id)
            .order_by(HistoryEntry.timestamp.desc(), HistoryEntry.id.desc())
            .limit(limit)
        )

    def latest(self, user_id, limit):
        """The newest entries as read-only rows (attribute access like the model's)."""
        return self.db.execute(self.latest_query(user_id, limit)).all()

    def delete(self, user_id, entry_id):
        # Another user's entry is reported as missing: its existence is not ours to reveal.
        result = self.db.execute(
            delete(HistoryEntry).where(HistoryEntry.id == entry_id, HistoryEntry.user_id == user_id)
        )
        if result.rowcount == 0:
            raise NotFound("History entry not found")
