"""Which history entry a v1 export belongs to.

v1's ``/export-to-sheet`` receives bare sentences, not a job id. CONTRACT §2
gives the URL to the newest history entry without one, which goes wrong when
the user exports an older result. So we first look for the job that produced
exactly these sentences: only entries whose job has the same sentence count
are candidates (usually one), and their chunks are compared in order, stopping
at the first difference. When nothing matches we fall back to the contract's rule.
"""

import logging

from sqlalchemy import case, or_, select

from novel_pyramid.exporters.sources import iter_chunk_sentences
from novel_pyramid.history.models import SPREADSHEET_URL_MAX_LENGTH, HistoryEntry
from novel_pyramid.jobs.models import Job

log = logging.getLogger(__name__)

MAX_CANDIDATES = 10


def job_produced(session_factory, job_id, sentences):
    """True when the job's output sentences are exactly ``sentences``, in order."""
    offset = 0
    for _, outputs in iter_chunk_sentences(session_factory, job_id):
        if outputs != sentences[offset : offset + len(outputs)]:
            return False
        offset += len(outputs)
    return offset == len(sentences)


def entry_for_sentences(dbsession, session_factory, user_id, sentences):
    """The history entry of the job that produced ``sentences``, else the newest without a URL."""
    count = len(sentences)
    candidates = dbsession.scalars(
        select(HistoryEntry)
        .join(Job, Job.id == HistoryEntry.job_id)
        .where(
            HistoryEntry.user_id == user_id,
            Job.user_id == user_id,
            or_(Job.sentences_count == count, HistoryEntry.processed_sentences_count == count),
        )
        # An entry still waiting for its URL first, then the newest.
        .order_by(
            case((HistoryEntry.spreadsheet_url.is_(None), 0), else_=1),
            HistoryEntry.timestamp.desc(),
            HistoryEntry.id.desc(),
        )
        .limit(MAX_CANDIDATES)
    ).all()
    for entry in candidates:
        if job_produced(session_factory, entry.job_id, sentences):
            return entry
    return dbsession.scalar(
        select(HistoryEntry)
        .where(HistoryEntry.user_id == user_id, HistoryEntry.spreadsheet_url.is_(None))
        .order_by(HistoryEntry.timestamp.desc(), HistoryEntry.id.desc())
        .limit(1)
    )


def entry_for_job(dbsession, user_id, job_id):
    return dbsession.scalar(
        select(HistoryEntry)
        .where(HistoryEntry.user_id == user_id, HistoryEntry.job_id == job_id)
        .order_by(HistoryEntry.timestamp.desc(), HistoryEntry.id.desc())
        .limit(1)
    )


def record_spreadsheet_url(entry, url):
    """Store the URL on ``entry`` when there is one and the legacy column can hold it."""
    if entry is None or not url:
        return
    if len(url) > SPREADSHEET_URL_MAX_LENGTH:
        log.warning("Spreadsheet URL longer than %d characters not saved to history", SPREADSHEET_URL_MAX_LENGTH)
        return
    entry.spreadsheet_url = url


def newest_filename(dbsession, user_id):
    """The original file name of the user's newest history entry, None when there is none."""
    return dbsession.scalar(
        select(HistoryEntry.original_filename)
        .where(HistoryEntry.user_id == user_id)
        .order_by(HistoryEntry.timestamp.desc(), HistoryEntry.id.desc())
        .limit(1)
    )
