"""Rows the functional tests start from, written the way the application writes them."""

from novel_pyramid.db.types import utcnow
from novel_pyramid.history.models import HistoryEntry
from novel_pyramid.jobs.models import Job, JobChunk


def finished_job(dbsession, user_id, chunks, *, filename, status="completed", timestamp=None, spreadsheet_url=None):
    """A job of ``user_id`` whose chunks are ``[(inputs, outputs)]``, and its history entry; committed."""
    outputs = [sentence for _, chunk_outputs in chunks for sentence in chunk_outputs]
    job = Job(
        user_id=user_id,
        status=status,
        original_filename=filename,
        sentence_length_limit=8,
        normalizer="local",
        sentences_count=len(outputs),
    )
    dbsession.add(job)
    dbsession.flush()
    for position, (inputs, chunk_outputs) in enumerate(chunks):
        dbsession.add(
            JobChunk(
                job_id=job.id,
                position=position,
                status="done",
                input_sentences=inputs,
                output_sentences=chunk_outputs,
            )
        )
    entry = HistoryEntry(
        user_id=user_id,
        job_id=job.id,
        original_filename=filename,
        processed_sentences_count=len(outputs),
        spreadsheet_url=spreadsheet_url,
        timestamp=timestamp or utcnow(),
    )
    dbsession.add(entry)
    dbsession.commit()
    return job, entry
