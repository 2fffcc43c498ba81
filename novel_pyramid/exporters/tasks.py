"""The Celery task of a background export, and what it does.

Large jobs are exported to Google by a worker (see ``ExportService.start_job_export``);
the request answers 202 at once and the client polls the export's status.
Celery may deliver the task more than once (late acknowledgement), so a run
first checks the status and does nothing for an export already settled.
"""

import logging

import sqlalchemy.exc
from sqlalchemy import select

from novel_pyramid.accounts.models import User
from novel_pyramid.db import own_transaction
from novel_pyramid.db.types import isoformat, utcnow
from novel_pyramid.errors import AppError, NotFound
from novel_pyramid.exporters.services import ExportService
from novel_pyramid.exporters.status import COMPLETED, FAILED, RUNNING, IExportStatusStore
from novel_pyramid.tasks import app, registry_of

log = logging.getLogger(__name__)


def run_export(registry, export_id, user_id, job_id, exporter_name, options):
    """Export a job in a transaction of its own and record how it ended in the status store."""
    store = registry.getUtility(IExportStatusStore)
    record = store.get(export_id) or {}
    if record.get("status") in (COMPLETED, FAILED):
        log.info("Export %s already %s; redelivery ignored", export_id, record["status"])
        return
    store.update(export_id, status=RUNNING)
    try:
        with own_transaction(registry["db.session_factory"]) as (_, db):
            user = db.scalar(select(User).where(User.id == user_id, User.is_active.is_(True)))
            if user is None:
                raise NotFound("User not found")
            # The refreshed Google token and the history URL commit with this transaction.
            result = ExportService(db, registry).export_job(user, job_id, exporter_name, options)
    except AppError as error:
        # A domain error is final: the exporter has already retried what Google
        # said was temporary. The client reads the reason from the status.
        log.warning("Export %s of job %s failed: %s", export_id, job_id, error.message)
        store.update(export_id, status=FAILED, error=error.message, code=error.code, finished_at=isoformat(utcnow()))
        return
    store.update(export_id, status=COMPLETED, url=result.url, finished_at=isoformat(utcnow()))


@app.task(
    bind=True,
    name="novel_pyramid.exporters.export_job",
    # A database that is briefly away is worth waiting for; nothing else is retried here.
    autoretry_for=(sqlalchemy.exc.OperationalError,),
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
)
def export_job(self, export_id, user_id, job_id, exporter_name, options):
    run_export(registry_of(self.app), export_id, user_id, job_id, exporter_name, options)
