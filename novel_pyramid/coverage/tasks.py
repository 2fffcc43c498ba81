"""The Celery task of a coverage run: a thin wrapper around ``ICoverageRunner.run``.

The runner commits each step itself, so the task's own transaction
(``task_request``) only serves to find the services. A task that fails for
good (an unexpected error, or retries exhausted) fails its run and gives its
credits back, so no run is left "processing".
"""

import sqlalchemy.exc

from novel_pyramid.coverage.interfaces import ICoverageRunner
from novel_pyramid.coverage.runner import INTERNAL_ERROR_MESSAGE
from novel_pyramid.tasks import LoggedTask, app, task_request

# The registered name of the task, as the task sender takes it.
RUN_TASK = "novel_pyramid.coverage.run"


def run_task(run_id, task_id):
    return RUN_TASK, (run_id,), task_id


class CoverageRunTask(LoggedTask):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        with task_request(self) as request:
            request.find_service(ICoverageRunner).fail(args[0], INTERNAL_ERROR_MESSAGE)


@app.task(
    bind=True,
    base=CoverageRunTask,
    name=RUN_TASK,
    # A database that is briefly away is worth waiting for.
    autoretry_for=(sqlalchemy.exc.OperationalError,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
)
def run_coverage(self, run_id):
    with task_request(self) as request:
        runner = request.find_service(ICoverageRunner)
    runner.run(run_id)
