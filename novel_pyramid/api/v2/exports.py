"""v2 exports of a finished job.

``GET  /jobs/{id}/exports``         the exporters available and what each returns;
``POST /jobs/{id}/exports``         ``{"exporter": "google_sheets", ...options}``: 200 with the URL;
``GET  /jobs/{id}/exports/{name}``  a download (csv, json) streamed as it is read; options in the
                                    query string (``?bom=true``).
"""

import colander
from cornice.validators import colander_validator
from pyramid.response import Response

from novel_pyramid.api import api_service
from novel_pyramid.api.colander_types import string_node
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.exporters.services import ExportService

job_exports = api_service("v2.job_exports", "/jobs/{id}/exports")
job_export_download = api_service("v2.job_export_download", "/jobs/{id}/exports/{name}")


class JobPath(colander.MappingSchema):
    id = string_node(max_length=36)


class DownloadPath(JobPath):
    name = string_node(max_length=64)


class ExportBody(colander.MappingSchema):
    """The exporter's name; every other key is one of its options, checked by its own schema."""

    exporter = string_node(max_length=64)

    @staticmethod
    def schema_type():
        return colander.Mapping(unknown="preserve")


class ExportRequest(colander.MappingSchema):
    path = JobPath()
    body = ExportBody()


class ListRequest(colander.MappingSchema):
    path = JobPath()


class DownloadRequest(colander.MappingSchema):
    path = DownloadPath()


def _result_json(job_id, exporter_name, result):
    return {"job_id": job_id, "exporter": exporter_name, "status": "completed", "url": result.url}


@job_exports.get(permission=AUTHENTICATED, schema=ListRequest(), validators=(colander_validator,))
def list_exporters(request):
    service = ExportService.for_request(request)
    job = service.finished_job(request.identity.id, request.validated["path"]["id"])
    return {"job_id": job.id, "exporters": service.available()}


@job_exports.post(
    permission=AUTHENTICATED, schema=ExportRequest(), validators=(colander_validator,), rate_limit="export"
)
def create_export(request):
    job_id = request.validated["path"]["id"]
    options = dict(request.validated["body"])
    name = options.pop("exporter")
    result = ExportService.for_request(request).export_job(request.identity.user, job_id, name, options)
    return _result_json(job_id, name, result)


@job_export_download.get(permission=AUTHENTICATED, schema=DownloadRequest(), validators=(colander_validator,))
def download_export(request):
    path = request.validated["path"]
    result = ExportService.for_request(request).download_job(
        request.identity.user, path["id"], path["name"], dict(request.GET)
    )
    response = Response(content_type=result.content_type.split(";")[0], charset="utf-8")
    response.app_iter = result.body
    response.content_disposition = f'attachment; filename="{result.filename}"'
    return response
