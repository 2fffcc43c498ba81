"""The Celery tasks of a job: thin wrappers around ``JobRunner``.

``extract_job`` turns the upload into chunks and, once that is committed,
queues one ``normalize_chunk`` per chunk; the task that settles the last chunk
finishes the job (see ``runner``). Both are idempotent, as a task may be
delivered more than once. A task that fails for good (an unexpected error, or
retries exhausted) fails its job or chunk, so no job is left "processing".
"""

import sqlalchemy.exc

from novel_pyramid.errors import ServiceUnavailable
from novel_pyramid.jobs.interfaces import IJobRunner
from novel_pyramid.jobs.services import EXTRACT_TASK, NORMALIZE_TASK, chunk_task, extraction_task
from novel_pyramid.tasks import LoggedTask, app, task_request
from novel_pyramid.tasks.interfaces import ITaskSender

# A database that is briefly away (restart, fail-over) or a broker that cannot
# take the chunk tasks yet is worth waiting for: retry with backoff.
TRANSIENT_ERRORS = (sqlalchemy.exc.OperationalError, ServiceUnavailable)
RETRY_OPTIONS = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "max_retries": 8,
}


class ExtractJobTask(LoggedTask):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        with task_request(self) as request:
            request.find_service(IJobRunner).fail_job(args[0])  # jobs.failures.INTERNAL_ERROR


class NormalizeChunkTask(LoggedTask):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        with task_request(self) as request:
            request.find_service(IJobRunner).fail_chunk(args[0])  # jobs.failures.INTERNAL_ERROR


@app.task(bind=True, base=ExtractJobTask, name=EXTRACT_TASK, **RETRY_OPTIONS)
def extract_job(self, job_id):
    with task_request(self) as request:
        sender = request.find_service(ITaskSender)

        def send_chunks(chunk_ids):
            # Called once the chunks are committed. If the broker refuses them, the
            # extraction is retried: it sends the stored chunks again and carries on,
            # which the chunk tasks' idempotence makes harmless.
            sender.send([chunk_task(chunk_id) for chunk_id in chunk_ids])

        request.find_service(IJobRunner).extract(job_id, send=send_chunks)


@app.task(bind=True, base=NormalizeChunkTask, name=NORMALIZE_TASK, **RETRY_OPTIONS)
def normalize_chunk(self, chunk_id):
    with task_request(self) as request:
        request.find_service(IJobRunner).normalize_chunk(chunk_id)


def sender_of_lost_work(sender):
    """What the lost-task sweeper (``recovery``) sends with: ``send(job_ids, chunk_ids)``."""

    def send_again(job_ids, chunk_ids):
        sender.send([extraction_task(job_id) for job_id in job_ids] + [chunk_task(chunk_id) for chunk_id in chunk_ids])

    return send_again
