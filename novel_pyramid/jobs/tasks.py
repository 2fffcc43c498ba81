"""The Celery tasks of a job: thin wrappers around ``JobRunner``.

``extract_job`` turns the upload into chunks and, once that is committed,
queues one ``normalize_chunk`` per chunk; the task that settles the last chunk
finishes the job (see ``runner``). Both are idempotent, as a task may be
delivered more than once. A task that fails for good (an unexpected error, or
retries exhausted) fails its job or chunk, so no job is left "processing".
"""

import sqlalchemy.exc

from novel_pyramid.errors import ServiceUnavailable
from novel_pyramid.jobs.runner import JobRunner
from novel_pyramid.tasks import LoggedTask, app, enqueue, registry_of

# A database that is briefly away (restart, fail-over) or a broker that cannot
# take the chunk tasks yet is worth waiting for: retry with backoff.
TRANSIENT_ERRORS = (sqlalchemy.exc.OperationalError, ServiceUnavailable)
RETRY_OPTIONS = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "max_retries": 8,
}


def _runner(task):
    return JobRunner.from_registry(registry_of(task.app))


class ExtractJobTask(LoggedTask):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        _runner(self).fail_job(args[0])  # jobs.failures.INTERNAL_ERROR


class NormalizeChunkTask(LoggedTask):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        _runner(self).fail_chunk(args[0])  # jobs.failures.INTERNAL_ERROR


@app.task(bind=True, base=ExtractJobTask, name="novel_pyramid.jobs.extract_job", **RETRY_OPTIONS)
def extract_job(self, job_id):
    _runner(self).extract(job_id, send=send_chunks)


def send_chunks(chunk_ids):
    # Called once the chunks are committed. If the broker refuses them, the
    # extraction is retried: it sends the stored chunks again and carries on,
    # which the chunk tasks' idempotence makes harmless.
    enqueue([normalize_chunk.si(chunk_id) for chunk_id in chunk_ids])


@app.task(bind=True, base=NormalizeChunkTask, name="novel_pyramid.jobs.normalize_chunk", **RETRY_OPTIONS)
def normalize_chunk(self, chunk_id):
    _runner(self).normalize_chunk(chunk_id)


def send_again(job_ids, chunk_ids):
    """What the lost-task sweeper (``recovery``) sends."""
    enqueue([extract_job.si(job_id) for job_id in job_ids] + [normalize_chunk.si(chunk_id) for chunk_id in chunk_ids])
