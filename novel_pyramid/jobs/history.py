"""The history entry of a job, written when the job ends (completed, failed or cancelled)."""

from sqlalchemy import select

from novel_pyramid.db.types import utcnow
from novel_pyramid.history.models import (
    ERROR_MESSAGE_MAX_LENGTH,
    FILENAME_MAX_LENGTH,
    HistoryEntry,
)
from novel_pyramid.jobs.models import JobStatus


def truncate(text, max_length):
    if text is None or len(text) <= max_length:
        return text
    return text[: max_length - 1] + "…"


def record_job_end(db, job):
    """Write (or, after a retry, rewrite) the one history entry of ``job``."""
    entry = db.scalar(select(HistoryEntry).where(HistoryEntry.job_id == job.id))
    if entry is None:
        entry = HistoryEntry(
            user_id=job.user_id,
            job_id=job.id,
            original_filename=truncate(job.original_filename, FILENAME_MAX_LENGTH),
        )
        db.add(entry)
    entry.timestamp = utcnow()
    completed = job.status == JobStatus.COMPLETED
    entry.processed_sentences_count = (job.sentences_count or 0) if completed else 0
    entry.error_message = None if completed else truncate(job.error_message, ERROR_MESSAGE_MAX_LENGTH)
    db.flush()
    return entry
