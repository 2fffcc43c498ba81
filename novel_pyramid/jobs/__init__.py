"""Processing jobs: one per upload, extracted into chunks that workers normalise independently.

- ``services``: what the API does with jobs (submit, read, list, cancel, retry, delete).
- ``runner``: what the tasks do (extract the upload, normalise a chunk, finish the job).
- ``tasks``: the Celery tasks, thin wrappers around the runner.
- ``leases`` and ``recovery``: the lease a running task holds, and the sweeper
  that sends again what a lost worker or a lost broker message left behind.
"""


def includeme(config):
    # Importing the module declares its tasks on the Celery app.
    from novel_pyramid.jobs import tasks  # noqa: F401
    from novel_pyramid.jobs.leases import LeaseKeeper, LeaseTimings

    # One heartbeat per process renews the leases of every task it runs.
    registry = config.registry
    registry["jobs.leases"] = LeaseKeeper(registry["db.session_factory"], LeaseTimings.from_settings(registry.settings))
