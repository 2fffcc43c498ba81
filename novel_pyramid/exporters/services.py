"""Exports: find the job, check the exporter and its options, run it, and record the result (``IExportService``).

Views and the background export task call this service and nothing else;
every failure is raised as a domain error (``novel_pyramid.errors``).
"""

import dataclasses
import logging

import colander
from pyramid.registry import Registry
from sqlalchemy import select
from sqlalchemy.orm import Session
from zope.interface import implementer

from novel_pyramid.accounts.interfaces import IAccountService
from novel_pyramid.accounts.models import User
from novel_pyramid.accounts.naming import sheet_name_from_pattern
from novel_pyramid.db.types import isoformat, new_uuid, utcnow
from novel_pyramid.errors import AppError, Conflict, InvalidInput, NotFound
from novel_pyramid.exporters import UnknownExporter, get_exporter, registered_exporters
from novel_pyramid.exporters.google_auth import GoogleGrantRevoked, require_sheets_grant
from novel_pyramid.exporters.google_sheets import NEW
from novel_pyramid.exporters.interfaces import RESULT_FILE, RESULT_URL, IExportService
from novel_pyramid.exporters.sources import iter_chunk_sentences, job_source, sentence_list_source
from novel_pyramid.exporters.status import COMPLETED, FAILED, QUEUED, RUNNING, IExportStatusStore
from novel_pyramid.exporters.v1_sheet_request import V1_FIELD_NAMES, plan_v1_export
from novel_pyramid.history.interfaces import IHistoryService
from novel_pyramid.jobs.interfaces import IJobService
from novel_pyramid.jobs.models import JobStatus
from novel_pyramid.tasks.interfaces import ITaskSender

log = logging.getLogger(__name__)

SHEETS_EXPORTER = "google_sheets"
# The registered name of the background export task (exporters.tasks), as the task sender takes it.
EXPORT_TASK = "novel_pyramid.exporters.export_job"
PUBLIC_STATUS_FIELDS = (
    "id",
    "job_id",
    "exporter",
    "status",
    "url",
    "error",
    "code",
    "created_at",
    "updated_at",
    "finished_at",
)


def _blame_default_folder(error):
    """A folder refused that came from the user's settings: say so, and file it under that setting."""
    if error.details and "folder_id" in error.details:
        messages = error.details.pop("folder_id")
        error.details["default_folder_id"] = messages
        error.message += "; it is the default folder of your settings: choose another there, or clear it"


def _job_produced(session_factory, job_id, sentences):
    """True when the job's output sentences are exactly ``sentences``, in order (stops at the first difference)."""
    offset = 0
    for _, outputs in iter_chunk_sentences(session_factory, job_id):
        if outputs != sentences[offset : offset + len(outputs)]:
            return False
        offset += len(outputs)
    return offset == len(sentences)


@implementer(IExportService)
@dataclasses.dataclass
class ExportService:
    db: Session
    # The exporter plugins are named utilities of the registry.
    registry: Registry
    jobs: IJobService
    statuses: IExportStatusStore
    tasks: ITaskSender
    history: IHistoryService
    accounts: IAccountService

    @property
    def session_factory(self):
        # Job rows are read in short transactions of their own: downloads stream
        # after the request's transaction has ended (see exporters.sources).
        return self.registry["db.session_factory"]

    @classmethod
    def create_service(cls, context, request):
        return cls(
            request.dbsession,
            request.registry,
            request.find_service(IJobService),
            request.find_service(IExportStatusStore),
            request.find_service(ITaskSender),
            request.find_service(IHistoryService),
            request.find_service(IAccountService),
        )

    # -- v1 ---------------------------------------------------------------------
    def export_sentences_to_sheet(self, user, body):
        """Export the sentences of a v1 ``/export-to-sheet`` body; return the spreadsheet's URL.

        The grant is checked first, then the rules between the body's fields,
        all before anything is sent to Google.
        """
        require_sheets_grant(user)
        sheet_name, folder_id = body.get("sheetName"), body.get("folderId")
        if body.get("mode", NEW) == NEW:
            sheet_name, folder_id = self._new_sheet_defaults(user, sheet_name, folder_id)
        plan = plan_v1_export(body, sheet_name, folder_id)
        exporter = self.exporter(SHEETS_EXPORTER, RESULT_URL)
        source = sentence_list_source(sheet_name, body["sentences"], plan.positions)
        try:
            result = self._run(exporter, source, plan.options, user)
        except AppError as error:
            if folder_id and folder_id != body.get("folderId"):
                _blame_default_folder(error)
            # The exporter names its options; the v1 client knows them by their camelCase names.
            if error.details:
                error.details = {V1_FIELD_NAMES.get(name, name): messages for name, messages in error.details.items()}
            raise
        sentences = body["sentences"]
        self.history.record_sentences_export(
            user.id,
            len(sentences),
            lambda job_id: _job_produced(self.session_factory, job_id, sentences),
            result.url,
            new_spreadsheet=plan.options["mode"] == NEW,
        )
        return result.url

    def _new_sheet_defaults(self, user, title, folder_id):
        """The title and folder an export names, else the user's settings give.

        Without a title, the user's sheet-name pattern names the spreadsheet
        ({date}, and {filename} from the newest history entry), or the default
        name without a pattern. Without a folder, the user's default folder (if
        any) receives it.
        """
        if title and folder_id:
            return title, folder_id
        settings = self.accounts.settings_of(user)
        if not title:
            pattern = settings.default_sheet_name_pattern
            filename = self.history.newest_filename(user.id) if pattern and "{filename}" in pattern else None
            title = sheet_name_from_pattern(pattern, filename)
        return title, folder_id or settings.default_folder_id

    # -- v2 ---------------------------------------------------------------------
    def available(self):
        """``[(name, exporter)]`` of every installed exporter, by name, for clients to discover them."""
        return sorted(registered_exporters(self.registry).items())

    def start_job_export(self, user, job_id, exporter_name, raw_options):
        """Export a finished job with a URL exporter, now or in the background; return its status.

        Everything that can be refused is checked here, before anything is
        queued or sent. Jobs up to ``exports.inline_max_sentences`` sentences
        are exported within the request (a few Sheets calls); larger ones by a
        worker, and the returned status is ``queued`` (``completed`` already
        when tasks run in-process).
        """
        exporter = self.exporter(exporter_name, RESULT_URL)
        options = self.options(exporter, raw_options)
        job = self.finished_job(user.id, job_id)
        if exporter.name == SHEETS_EXPORTER:
            require_sheets_grant(user)
        if not self._in_background(job):
            result = self._export(user, job, exporter, options)
            return {"id": None, "job_id": job.id, "exporter": exporter.name, "status": COMPLETED, "url": result.url}
        export_id = new_uuid()
        self.statuses.update(
            export_id, id=export_id, user_id=user.id, job_id=job.id, exporter=exporter.name, status=QUEUED
        )
        # This request writes nothing the task needs, so there is no commit to
        # wait for; sending now lets a broker outage answer 503 at once.
        self.tasks.send([(EXPORT_TASK, (export_id, user.id, job.id, exporter.name, options))])
        return self.export_status(user.id, export_id)

    def export_status(self, user_id, export_id):
        """The public status of one of the user's background exports."""
        record = self.statuses.get(export_id)
        if record is None or record.get("user_id") != user_id:
            raise NotFound("Export not found")
        return {name: record[name] for name in PUBLIC_STATUS_FIELDS if name in record}

    def _in_background(self, job):
        settings = self.registry.settings
        # Without Redis, statuses live in this process: only in-process (eager) tasks can report them.
        shared_status = bool(settings.get("redis_url")) or settings.get("celery.task_always_eager")
        return bool(shared_status) and (job.sentences_count or 0) > settings["exports.inline_max_sentences"]

    def export_in_background(self, export_id, user_id, job_id, exporter_name, raw_options):
        record = self.statuses.get(export_id) or {}
        if record.get("status") in (COMPLETED, FAILED):
            log.info("Export %s already %s; redelivery ignored", export_id, record["status"])
            return None
        self.statuses.update(export_id, status=RUNNING)
        try:
            user = self.db.scalar(select(User).where(User.id == user_id, User.is_active.is_(True)))
            if user is None:
                raise NotFound("User not found")
            result = self.export_job(user, job_id, exporter_name, raw_options)
        except AppError as error:
            # A domain error is final: the exporter has already retried what Google
            # said was temporary. The client reads the reason from the status.
            log.warning("Export %s of job %s failed: %s", export_id, job_id, error.message)
            return {"status": FAILED, "error": error.message, "code": error.code, "finished_at": isoformat(utcnow())}
        return {"status": COMPLETED, "url": result.url, "finished_at": isoformat(utcnow())}

    def record_outcome(self, export_id, outcome):
        self.statuses.update(export_id, **outcome)

    def export_job(self, user, job_id, exporter_name, raw_options):
        """Run a URL exporter (Google Sheets...) on a finished job; return its ``ExportResult``."""
        exporter = self.exporter(exporter_name, RESULT_URL)
        options = self.options(exporter, raw_options)
        job = self.finished_job(user.id, job_id)
        if exporter.name == SHEETS_EXPORTER:
            require_sheets_grant(user)
        return self._export(user, job, exporter, options)

    def _sheets_defaults(self, user, job, options):
        """A new spreadsheet's title and folder from the user's settings, when the options name none.

        The pattern's {filename} is the job's own file; without a pattern the
        title stays the job's file name.
        """
        if options.get("mode", NEW) != NEW or (options.get("title") and options.get("folder_id")):
            return options
        settings = self.accounts.settings_of(user)
        defaults = {}
        if not options.get("title") and settings.default_sheet_name_pattern:
            defaults["title"] = sheet_name_from_pattern(settings.default_sheet_name_pattern, job.original_filename)
        if not options.get("folder_id") and settings.default_folder_id:
            defaults["folder_id"] = settings.default_folder_id
        return {**options, **defaults}

    def _export(self, user, job, exporter, options):
        named_folder = options.get("folder_id")
        if exporter.name == SHEETS_EXPORTER:
            options = self._sheets_defaults(user, job, options)
        source = job_source(job, self.session_factory, include_original=options.get("include_original", False))
        try:
            result = self._run(exporter, source, options, user)
        except AppError as error:
            if options.get("folder_id") != named_folder:
                _blame_default_folder(error)
            raise
        new_spreadsheet = options.get("mode", NEW) == NEW
        self.history.record_job_export(user.id, job.id, result.url, new_spreadsheet)
        return result

    def download_job(self, user, job_id, exporter_name, raw_options):
        """Run a file exporter (csv, json) on a finished job; the result's body streams."""
        exporter = self.exporter(exporter_name, RESULT_FILE)
        options = self.options(exporter, raw_options)
        job = self.finished_job(user.id, job_id)
        source = job_source(job, self.session_factory, include_original=options.get("include_original", False))
        return exporter.export(source, options, user)

    # -- shared steps --------------------------------------------------------------
    def _run(self, exporter, source, options, user):
        try:
            return exporter.export(source, options, user)
        except GoogleGrantRevoked:
            # Until they sign in again the user holds no grant: sign-ins report
            # has_sheets_access false, and exports are refused without asking Google.
            self.accounts.forget_revoked_google_grant(user)
            raise

    def exporter(self, name, result_kind):
        """The exporter ``name``, which must produce ``result_kind``; 400 otherwise."""
        try:
            exporter = get_exporter(self.registry, name)
        except UnknownExporter as exc:
            raise InvalidInput(str(exc), details={"exporter": [str(exc)]}) from None
        if exporter.result_kind != result_kind:
            hint = (
                "it is a download: GET /api/v2/jobs/{id}/exports/" + name
                if exporter.result_kind == RESULT_FILE
                else "it is not a download: POST /api/v2/jobs/{id}/exports"
            )
            message = f"Exporter {name!r} cannot be used here; {hint}"
            raise InvalidInput(message, details={"exporter": [message]})
        return exporter

    @staticmethod
    def options(exporter, raw_options):
        """The options validated by the exporter's own schema; unknown keys are errors."""
        try:
            return exporter.options_schema.deserialize(raw_options)
        except colander.Invalid as invalid:
            raise InvalidInput.from_colander(invalid, whole="options") from None

    def finished_job(self, user_id, job_id):
        """The user's job, which must be completed; another user's job is "not found" (JobService)."""
        job = self.jobs.get(user_id, job_id)
        if job.status != JobStatus.COMPLETED:
            raise Conflict(f"Job is {job.status}; only a completed job can be exported")
        return job
