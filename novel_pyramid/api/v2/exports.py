"""v2 exports of a finished job.

``GET  /jobs/{id}/exports``         the exporters available and what each returns;
``POST /jobs/{id}/exports``         ``{"exporter": "google_sheets", ...options}``. A job of up to
                                    ``exports.inline_max_sentences`` sentences is exported at once
                                    (200, with the URL); a larger one by a worker: 202, a
                                    ``Location`` to poll, and the status so far;
``GET  /exports/{export_id}``       the status of a background export (queued, running,
                                    completed with its URL, failed with the reason);
``GET  /jobs/{id}/exports/{name}``  a download (csv, json) streamed as it is read; options in the
                                    query string (``?bom=true``).
"""

import colander
from cornice.validators import colander_validator
from pyramid.response import Response as FileResponse

from novel_pyramid.api import api_service
from novel_pyramid.api.openapi.converter import to_json_schema
from novel_pyramid.api.openapi.responses import ERROR, Response
from novel_pyramid.api.v2.schemas import UuidPath
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.exporters import RESULT_FILE, RESULT_URL, registered_exporters
from novel_pyramid.exporters.interfaces import IExportService
from novel_pyramid.schema.types import StrictMapping, StrictString, string_node

job_exports = api_service("v2.job_exports", "/jobs/{id}/exports")
job_export_download = api_service("v2.job_export_download", "/jobs/{id}/exports/{name}")
export_status = api_service("v2.export_status", "/exports/{export_id}")

SERVICES = (job_exports, job_export_download, export_status)


def _exporters_of_kind(registry, result_kind):
    exporters = registered_exporters(registry).items()
    return {name: exporter for name, exporter in sorted(exporters) if exporter.result_kind == result_kind}


def _download_names(registry, schema):
    """For the OpenAPI document: the installed file exporters, the only names a download accepts."""
    return {**schema, "enum": list(_exporters_of_kind(registry, RESULT_FILE))}


def _export_bodies(registry, schema):
    """For the OpenAPI document: one body per installed exporter of URLs, its options beside its name."""
    bodies = []
    for name, exporter in _exporters_of_kind(registry, RESULT_URL).items():
        options = to_json_schema(exporter.options_schema, registry)
        options.pop("description", None)
        options["properties"] = {"exporter": {"type": "string", "enum": [name]}, **options.get("properties", {})}
        options["required"] = ["exporter", *options.get("required", [])]
        bodies.append(options)
    return {"type": "object", "required": ["exporter"], "oneOf": bodies} if bodies else schema


class DownloadPath(UuidPath):
    name = string_node(max_length=64, json_schema_of=_download_names)


class ExportStatusPath(colander.MappingSchema):
    export_id = string_node(max_length=36)


class ExportBody(colander.MappingSchema):
    """The exporter's name; every other key is one of its options, checked by its own schema."""

    exporter = string_node(max_length=64)

    @staticmethod
    def schema_type():
        return colander.Mapping(unknown="preserve")


class ExportRequest(colander.MappingSchema):
    path = UuidPath()
    body = ExportBody(json_schema_of=_export_bodies)


class ListRequest(colander.MappingSchema):
    path = UuidPath()


class DownloadRequest(colander.MappingSchema):
    path = DownloadPath()


class ExportStatusRequest(colander.MappingSchema):
    path = ExportStatusPath()


# -- what the endpoints answer, for the OpenAPI document (novel_pyramid.api.openapi) --------------
def _text(**kwargs):
    return colander.SchemaNode(StrictString(), **kwargs)


class ExporterInfo(StrictMapping):
    name = _text()
    result = _text(validator=colander.OneOf(["url", "file"]), description="url: POST it; file: GET it")
    options = colander.SchemaNode(
        colander.Mapping(unknown="preserve"),
        description="The JSON Schema of the options this exporter takes (POST body or download query string)",
    )


class ExporterList(colander.SequenceSchema):
    exporter = ExporterInfo()


class ExportersBody(StrictMapping):
    job_id = _text()
    exporters = ExporterList()


class ExportStatusBody(StrictMapping):
    id = _text(nullable=True, description="Set for a background export: poll /exports/{id}")
    job_id = _text()
    exporter = _text()
    status = _text(validator=colander.OneOf(["queued", "running", "completed", "failed"]))
    url = _text(missing=colander.drop, description="Where the export is (completed)")
    error = _text(missing=colander.drop, description="Why it failed (failed)")
    code = _text(missing=colander.drop)
    created_at = _text(missing=colander.drop)
    updated_at = _text(missing=colander.drop)
    finished_at = _text(missing=colander.drop)


NOT_FINISHED = Response(ERROR.schema, "The job has not completed yet")
RESPONSES = {
    ("v2.job_exports", "GET"): {200: ExportersBody(), 409: NOT_FINISHED},
    ("v2.job_exports", "POST"): {
        200: Response(ExportStatusBody(), "Exported; the body has the URL"),
        202: Response(
            ExportStatusBody(), "Exporting in the background", headers={"Location": "The export's status URL"}
        ),
        403: Response(ERROR.schema, "No Google grant, or it was revoked: sign in with Google again"),
        409: NOT_FINISHED,
        502: Response(ERROR.schema, "The remote service failed after retries"),
        503: Response(ERROR.schema, "The task queue is unavailable"),
    },
    ("v2.export_status", "GET"): {200: ExportStatusBody()},
    ("v2.job_export_download", "GET"): {
        200: Response(
            {},
            "The file, streamed: text/csv (csv) or application/json (json)",
            headers={"Content-Disposition": "attachment; filename=..."},
            media_type=("text/csv", "application/json"),
        ),
        409: NOT_FINISHED,
    },
}


def exporter_info(name, exporter):
    """What a client needs to use an exporter plugin, its options described by their own schema."""
    return {"name": name, "result": exporter.result_kind, "options": to_json_schema(exporter.options_schema)}


# -- views -----------------------------------------------------------------------------------------
@job_exports.get(permission=AUTHENTICATED, schema=ListRequest(), validators=(colander_validator,))
def list_exporters(request):
    service = request.find_service(IExportService)
    job = service.finished_job(request.identity.id, request.validated["path"]["id"])
    return {"job_id": job.id, "exporters": [exporter_info(name, exporter) for name, exporter in service.available()]}


@job_exports.post(
    permission=AUTHENTICATED, schema=ExportRequest(), validators=(colander_validator,), rate_limit="export"
)
def create_export(request):
    options = dict(request.validated["body"])
    name = options.pop("exporter")
    status = request.find_service(IExportService).start_job_export(
        request.identity.user, request.validated["path"]["id"], name, options
    )
    if status["id"] is not None:
        request.response.status_int = 202
        request.response.location = request.route_url("v2.export_status", export_id=status["id"])
    return status


@export_status.get(permission=AUTHENTICATED, schema=ExportStatusRequest(), validators=(colander_validator,))
def read_export_status(request):
    return request.find_service(IExportService).export_status(
        request.identity.id, request.validated["path"]["export_id"]
    )


@job_export_download.get(permission=AUTHENTICATED, schema=DownloadRequest(), validators=(colander_validator,))
def download_export(request):
    path = request.validated["path"]
    result = request.find_service(IExportService).download_job(
        request.identity.user, path["id"], path["name"], dict(request.GET)
    )
    response = FileResponse(content_type=result.content_type.split(";")[0], charset="utf-8")
    response.app_iter = result.body
    response.content_disposition = f'attachment; filename="{result.filename}"'
    return response
