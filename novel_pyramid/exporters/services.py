"""Exports: find the job, check the exporter and its options, run it, and record the result.

Views call this service and nothing else; every failure is raised as a domain
error (``novel_pyramid.errors``).
"""

import colander
from sqlalchemy import select

from novel_pyramid.errors import Conflict, InvalidInput, NotFound
from novel_pyramid.exporters import UnknownExporter, get_exporter, registered_exporters
from novel_pyramid.exporters.google_auth import require_sheets_grant
from novel_pyramid.exporters.history_link import entry_for_job, entry_for_sentences, record_spreadsheet_url
from novel_pyramid.exporters.interfaces import RESULT_FILE, RESULT_URL
from novel_pyramid.exporters.sources import job_source, sentence_list_source
from novel_pyramid.jobs.models import Job, JobStatus

SHEETS_EXPORTER = "google_sheets"


def _field_errors(invalid):
    """``colander.Invalid`` as ``{field: [messages]}``, the details of our error body."""
    return {name or "options": [message] for name, message in invalid.asdict().items()}


class ExportService:
    def __init__(self, dbsession, registry):
        self.db = dbsession
        self.registry = registry
        # Job rows are read in short sessions of their own: downloads stream
        # after the request's transaction has ended (see exporters.sources).
        self.session_factory = registry["db.session_factory"]

    @classmethod
    def for_request(cls, request):
        return cls(request.dbsession, request.registry)

    # -- v1 ---------------------------------------------------------------------
    def export_sentences_to_sheet(self, user, sentences, sheet_name, folder_id=None):
        """Write the given sentences to a new spreadsheet; return its URL (v1 ``/export-to-sheet``)."""
        require_sheets_grant(user)
        exporter = self.exporter(SHEETS_EXPORTER, RESULT_URL)
        options = {"title": sheet_name, "folder_id": folder_id or None, "include_original": False}
        result = exporter.export(sentence_list_source(sheet_name, sentences), options, user)
        entry = entry_for_sentences(self.db, self.session_factory, user.id, sentences)
        record_spreadsheet_url(entry, result.url)
        return result.url

    # -- v2 ---------------------------------------------------------------------
    def available(self):
        """``[{"name", "result"}]`` of every exporter, for clients to discover them."""
        return [
            {"name": name, "result": exporter.result_kind}
            for name, exporter in sorted(registered_exporters(self.registry).items())
        ]

    def export_job(self, user, job_id, exporter_name, raw_options):
        """Run a URL exporter (Google Sheets...) on a finished job; return its ``ExportResult``."""
        exporter = self.exporter(exporter_name, RESULT_URL)
        options = self.options(exporter, raw_options)
        job = self.finished_job(user.id, job_id)
        if exporter.name == SHEETS_EXPORTER:
            require_sheets_grant(user)
        source = job_source(job, self.session_factory, include_original=options.get("include_original", False))
        result = exporter.export(source, options, user)
        record_spreadsheet_url(entry_for_job(self.db, user.id, job.id), result.url)
        return result

    def download_job(self, user, job_id, exporter_name, raw_options):
        """Run a file exporter (csv, json) on a finished job; the result's body streams."""
        exporter = self.exporter(exporter_name, RESULT_FILE)
        options = self.options(exporter, raw_options)
        job = self.finished_job(user.id, job_id)
        source = job_source(job, self.session_factory, include_original=options.get("include_original", False))
        return exporter.export(source, options, user)

    # -- shared steps --------------------------------------------------------------
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
            details = _field_errors(invalid)
            field, messages = next(iter(details.items()))
            raise InvalidInput(f"Invalid {field}: {messages[0]}", details=details) from None

    def finished_job(self, user_id, job_id):
        """The user's job, which must be completed.

        Another user's job is reported as missing, like an unknown one: its
        existence is not ours to reveal.
        """
        job = self.db.scalar(select(Job).where(Job.id == job_id, Job.user_id == user_id))
        if job is None:
            raise NotFound("Job not found")
        if job.status != JobStatus.COMPLETED:
            raise Conflict(f"Job is {job.status}; only a completed job can be exported")
        return job
