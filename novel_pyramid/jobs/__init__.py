"""Processing jobs: one per upload, extracted into chunks that workers normalise independently.

- ``services``: what the API does with jobs (submit, read, list, cancel, retry, delete).
- ``runner``: what the tasks do (extract the upload, normalise a chunk, finish the job).
- ``tasks``: the Celery tasks, thin wrappers around the runner.
"""


def includeme(config):
    # pyramid_retry (included by novel_pyramid.db) reads this when the
    # configuration commits, so setting it here still takes effect.
    # Importing the module declares its tasks on the Celery app.
    from novel_pyramid.jobs import tasks  # noqa: F401
