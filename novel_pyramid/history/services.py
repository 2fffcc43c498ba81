"""History entries: listing, deleting, and recording how a job ended and where it was exported."""

import logging

from sqlalchemy import Integer, bindparam, case, delete, select
from zope.interface import implementer

from novel_pyramid.cache import invalidate_after_commit
from novel_pyramid.cache.services import CachedReadService
from novel_pyramid.db.types import utcnow
from novel_pyramid.errors import NotFound
from novel_pyramid.history.interfaces import IHistoryService
from novel_pyramid.history.models import (
    ERROR_CODE_MAX_LENGTH,
    ERROR_MESSAGE_MAX_LENGTH,
    FILENAME_MAX_LENGTH,
    SPREADSHEET_URL_MAX_LENGTH,
    HistoryEntry,
)
from novel_pyramid.history.serializers import HistoryPage, history_entry_text

log = logging.getLogger(__name__)

# The newest entries of each user are cached, each as the API's JSON text; a
# longer page than this is read from the database.
CACHED_ENTRIES = 100
# Entries whose job is compared with the sentences of a v1 export, at most.
MAX_EXPORT_CANDIDATES = 10


def history_key(user_id):
    """The cache key of the user's newest entries; the version changes with the shape of the value."""
    return f"history.latest.v3:{int(user_id)}"


def stale_keys_of_entry(entry):
    """The cached values a change of ``entry`` makes stale."""
    return (history_key(entry.user_id),)


def settings_of(job):
    """The settings a job ran with, as history shows them: the limit, the model, and the other options."""
    options = dict(job.processing_settings or {})
    options.pop("sentence_length_limit", None)
    model = options.pop("gemini_model", None) or job.model
    return {
        "sentence_length": job.sentence_length_limit,
        # The frontend reads both names (its history table one, its detail dialog the other).
        "sentence_length_limit": job.sentence_length_limit,
        "gemini_model": model,
        "advanced_options": options,
    }


# A failed job's step when it ended, told from what it left (its step then reads "finished").
FAILED = "failed"


def failed_step_of(job):
    """Where a failed job stopped: upload (never started), extract (the book was not read through), or normalize."""
    if job.status != FAILED:
        return None
    if job.chunks_failed:
        return "normalize"
    if job.started_at is None:
        return "upload"
    # The digest is written in the step that ends a complete extraction.
    if job.extraction_digest is None:
        return "extract"
    return "normalize"


def truncate(text, max_length):
    if text is None or len(text) <= max_length:
        return text
    return text[: max_length - 1] + "…"


# Listing reads columns, not ORM objects: for a page of rows that are only
# serialised, building and tracking identity-mapped instances is wasted time.
LISTED_COLUMNS = (
    HistoryEntry.id,
    HistoryEntry.timestamp,
    HistoryEntry.original_filename,
    HistoryEntry.processed_sentences_count,
    HistoryEntry.spreadsheet_url,
    HistoryEntry.error_message,
    HistoryEntry.job_id,
    HistoryEntry.error_code,
    HistoryEntry.failed_step,
    HistoryEntry.settings,
)

# Newest first; ix_history_user_id_timestamp_id serves it without a sort. Built
# once, as it runs on every cache miss.
LATEST_PAGE = (
    select(*LISTED_COLUMNS)
    .where(HistoryEntry.user_id == bindparam("user_id"))
    .order_by(HistoryEntry.timestamp.desc(), HistoryEntry.id.desc())
    .limit(bindparam("limit", type_=Integer))
)
NEWEST_FIRST = (HistoryEntry.timestamp.desc(), HistoryEntry.id.desc())


@implementer(IHistoryService)
class HistoryService(CachedReadService):
    @staticmethod
    def latest_query(user_id, limit):
        """The listing statement with its values bound (EXPLAIN, tests)."""
        return LATEST_PAGE.params(user_id=user_id, limit=limit)

    def _latest_rows(self, user_id, limit):
        # Core execution on the session's connection (same transaction): the ORM
        # layer has nothing to add to a column query.
        return self.db.connection().execute(LATEST_PAGE, {"user_id": user_id, "limit": limit}).all()

    def latest(self, user_id, limit):
        """The newest ``limit`` entries (a ``HistoryPage``); the newest ``CACHED_ENTRIES`` come from the cache.

        Every ORM write of a history row, and ``delete`` below, forgets the
        cached list once its transaction commits (novel_pyramid.cache).
        """
        if limit > CACHED_ENTRIES:
            return HistoryPage([history_entry_text(row) for row in self._latest_rows(user_id, limit)])
        newest = self.cache.get_or_create(
            history_key(user_id),
            lambda: [history_entry_text(row) for row in self._latest_rows(user_id, CACHED_ENTRIES)],
        )
        return HistoryPage(newest[:limit])

    def page(self, user_id, *, limit, before_id=None):
        query = select(HistoryEntry).where(HistoryEntry.user_id == user_id)
        if before_id is not None:
            query = query.where(HistoryEntry.id < before_id)
        entries = self.db.scalars(query.order_by(HistoryEntry.id.desc()).limit(limit + 1)).all()
        return entries[:limit], len(entries) > limit

    def delete(self, user_id, entry_id):
        # Another user's entry is reported as missing: its existence is not ours to reveal.
        result = self.db.execute(
            delete(HistoryEntry).where(HistoryEntry.id == entry_id, HistoryEntry.user_id == user_id)
        )
        if result.rowcount == 0:
            raise NotFound("History entry not found")
        # A bulk DELETE bypasses the ORM flush that would otherwise invalidate the list.
        invalidate_after_commit(self.db, history_key(user_id))

    def get(self, user_id, entry_id):
        entry = self.db.scalar(select(HistoryEntry).where(HistoryEntry.id == entry_id, HistoryEntry.user_id == user_id))
        if entry is None:
            raise NotFound("History entry not found")
        return entry

    def record_job_end(self, job, completed, sentences=None):
        entry = self.db.scalar(select(HistoryEntry).where(HistoryEntry.job_id == job.id))
        if entry is None:
            entry = HistoryEntry(
                user_id=job.user_id,
                job_id=job.id,
                original_filename=truncate(job.original_filename, FILENAME_MAX_LENGTH),
            )
            self.db.add(entry)
        entry.timestamp = utcnow()
        entry.processed_sentences_count = (job.sentences_count or 0) if completed else 0
        entry.error_message = None if completed else truncate(job.error_message, ERROR_MESSAGE_MAX_LENGTH)
        entry.error_code = None if completed else truncate(job.error_code, ERROR_CODE_MAX_LENGTH)
        entry.failed_step = None if completed else failed_step_of(job)
        entry.settings = settings_of(job)
        # A retried job that fails again keeps no snapshot of its earlier end.
        entry.sentences = sentences
        self.db.flush()
        return entry

    def record_import(self, user_id, filename, sentences):
        entry = HistoryEntry(
            user_id=user_id,
            original_filename=truncate(filename, FILENAME_MAX_LENGTH),
            processed_sentences_count=len(sentences),
            # The shape a job's snapshot has, so every reader of entries reads this one alike.
            sentences=[{"normalized": text, "original": text} for text in sentences],
        )
        self.db.add(entry)
        self.db.flush()
        return entry

    def store_snapshot(self, entry, sentences):
        entry.sentences = sentences
        entry.processed_sentences_count = len(sentences)
        self.db.flush()

    def record_entry_export(self, entry, url, new_spreadsheet):
        self._record_url(entry, url, new_spreadsheet)
        self.db.flush()

    def record_job_export(self, user_id, job_id, url, new_spreadsheet):
        entry = self.db.scalar(
            select(HistoryEntry)
            .where(HistoryEntry.user_id == user_id, HistoryEntry.job_id == job_id)
            .order_by(*NEWEST_FIRST)
            .limit(1)
        )
        self._record_url(entry, url, new_spreadsheet)

    def record_sentences_export(self, user_id, sentence_count, produced, url, new_spreadsheet):
        # v1's /export-to-sheet receives bare sentences, not a job id; the newest
        # entry without a URL (docs/api.md, "POST /export-to-sheet") goes wrong
        # when the user exports an older result. So the jobs whose entry counts
        # as many sentences are compared first (usually one).
        candidates = self.db.scalars(
            select(HistoryEntry)
            .where(
                HistoryEntry.user_id == user_id,
                HistoryEntry.job_id.is_not(None),
                HistoryEntry.processed_sentences_count == sentence_count,
            )
            # An entry still waiting for its URL first, then the newest.
            .order_by(case((HistoryEntry.spreadsheet_url.is_(None), 0), else_=1), *NEWEST_FIRST)
            .limit(MAX_EXPORT_CANDIDATES)
        ).all()
        entry = next((candidate for candidate in candidates if produced(candidate.job_id)), None)
        if entry is None:
            entry = self.db.scalar(
                select(HistoryEntry)
                .where(HistoryEntry.user_id == user_id, HistoryEntry.spreadsheet_url.is_(None))
                .order_by(*NEWEST_FIRST)
                .limit(1)
            )
        self._record_url(entry, url, new_spreadsheet)

    @staticmethod
    def _record_url(entry, url, new_spreadsheet):
        # A new spreadsheet is the entry's; an append only fills an entry still without one.
        if entry is None or not url or not (new_spreadsheet or entry.spreadsheet_url is None):
            return
        if len(url) > SPREADSHEET_URL_MAX_LENGTH:
            log.warning("Spreadsheet URL longer than %d characters not saved to history", SPREADSHEET_URL_MAX_LENGTH)
            return
        entry.spreadsheet_url = url

    def newest_filename(self, user_id):
        return self.db.scalar(
            select(HistoryEntry.original_filename)
            .where(HistoryEntry.user_id == user_id)
            .order_by(*NEWEST_FIRST)
            .limit(1)
        )
