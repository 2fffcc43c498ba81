"""History entries: listing, deleting, and recording the end of a job."""

from sqlalchemy import Integer, bindparam, delete, select

from novel_pyramid.cache import history_key, invalidate_after_commit
from novel_pyramid.cache.services import CachedReadService
from novel_pyramid.errors import NotFound
from novel_pyramid.history.models import HistoryEntry
from novel_pyramid.history.serializers import history_entry_text, json_array_text

# The newest entries of each user are cached as the API shows them; a longer
# page than this is read from the database.
CACHED_ENTRIES = 100

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

# Newest first; ix_history_user_id_timestamp_id serves it without a sort. Built
# once: constructing the statement on every request cost more than running it.
LATEST_PAGE = (
    select(*LISTED_COLUMNS)
    .where(HistoryEntry.user_id == bindparam("user_id"))
    .order_by(HistoryEntry.timestamp.desc(), HistoryEntry.id.desc())
    .limit(bindparam("limit", type_=Integer))
)


class HistoryService(CachedReadService):
    @staticmethod
    def latest_query(user_id, limit):
        """The listing statement with its values bound (EXPLAIN, tests)."""
        return LATEST_PAGE.params(user_id=user_id, limit=limit)

    def latest(self, user_id, limit):
        """The newest entries as read-only rows (attribute access like the model's)."""
        # Core execution on the session's connection (same transaction): the ORM
        # layer has nothing to add to a column query.
        return self.db.connection().execute(LATEST_PAGE, {"user_id": user_id, "limit": limit}).all()

    def latest_page_text(self, user_id, limit):
        """The newest ``limit`` entries as the API's JSON text; cached up to ``CACHED_ENTRIES``.

        The cache keeps each entry already serialised: a page is then joined
        from text, with no decoding and re-encoding of every field (history is
        the busiest list). Every ORM write of a history row, and ``delete``
        below, forgets the cached list once its transaction commits
        (novel_pyramid.cache).
        """
        if limit > CACHED_ENTRIES:
            return json_array_text(history_entry_text(row) for row in self.latest(user_id, limit))
        newest = self.cache.get_or_create(
            history_key(user_id),
            lambda: [history_entry_text(row) for row in self.latest(user_id, CACHED_ENTRIES)],
        )
        return json_array_text(newest[:limit])

    def delete(self, user_id, entry_id):
        # Another user's entry is reported as missing: its existence is not ours to reveal.
        result = self.db.execute(
            delete(HistoryEntry).where(HistoryEntry.id == entry_id, HistoryEntry.user_id == user_id)
        )
        if result.rowcount == 0:
            raise NotFound("History entry not found")
        # A bulk DELETE bypasses the ORM flush that would otherwise invalidate the list.
        invalidate_after_commit(self.db, history_key(user_id))
