"""The Celery task of a background export: a thin wrapper around ``IExportService.export_in_background``.

Large jobs are exported to Google by a worker (see ``ExportService.start_job_export``);
the request answers 202 at once and the client polls the export's status.
Celery may deliver the task more than once (late acknowledgement), so a run
first checks the status and does nothing for an export already settled.
"""

import sqlalchemy.exc

from novel_pyramid.exporters.interfaces import IExportService
from novel_pyramid.exporters.services import EXPORT_TASK
from novel_pyramid.tasks import app, task_request


@app.task(
    bind=True,
    name=EXPORT_TASK,
    # A database that is briefly away is worth waiting for; nothing else is retried here.
    autoretry_for=(sqlalchemy.exc.OperationalError,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
)
def export_job(self, export_id, user_id, job_id, exporter_name, options):
    with task_request(self) as request:
        exports = request.find_service(IExportService)
        # The refreshed Google token and the history URL commit with this transaction.
        outcome = exports.export_in_background(export_id, user_id, job_id, exporter_name, options)
    # Once committed: a client that reads "completed" finds the URL in the history.
    if outcome is not None:
        exports.record_outcome(export_id, outcome)
