"""v1 processing (docs/api.md, "v1: the frontend's API"): POST /process-pdf and GET /status/{job_id}.

``/process-pdf`` with a ``job_id`` (from ``POST /credits/jobs/confirm``) starts
that job as ``/process-pdf-async`` does (``api.v1.jobs``); without one it
makes a job of its own, with no credits reserved. Either way it answers
synchronously by default, as the frontend expects: the job service commits and queues the job apart from the request,
then waits for it, each poll a short read of its own, so it sees what the
workers commit. In eager mode (no broker) the job has already ended by then.
If it has not ended within ``jobs.sync_wait_seconds``, or the client sent
``Prefer: respond-async``, the answer is 202 with the job's status URL, so no
work is lost to a time-out.
"""

import colander
from cornice.validators import colander_validator

from novel_pyramid.accounts.interfaces import IAccountService
from novel_pyramid.api import api_service
from novel_pyramid.api.v1.jobs import GEMINI_MODEL_DESCRIPTION, gemini_model_node, job_id_node, limit_node, start_job
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.jobs.interfaces import IJobService
from novel_pyramid.jobs.models import JobStatus
from novel_pyramid.jobs.schemas import ProcessingOptionsForm, options_of, uploaded_pdf_node
from novel_pyramid.jobs.serializers import v1_status_json
from novel_pyramid.schema.types import EmptyQuery, HeadersMapping, string_node

process_pdf = api_service("v1.process_pdf", "/process-pdf")
job_status = api_service("v1.status", "/status/{job_id}")


class ProcessPdfForm(ProcessingOptionsForm):
    """multipart/form-data; fields other than these are ignored, as the legacy API did."""

    pdf_file = uploaded_pdf_node()
    job_id = job_id_node(missing=colander.drop)
    sentence_length_limit = limit_node()
    gemini_model = gemini_model_node(description="With job_id only: " + GEMINI_MODEL_DESCRIPTION)

    def validator(self, node, form):
        # The model is chosen, and priced, when a job's credits are reserved. (Said in the field's
        # description: schemathesis cannot generate multipart bodies under a "not".)
        if "gemini_model" in form and "job_id" not in form:
            error = colander.Invalid(node)
            error.add(colander.Invalid(node["gemini_model"], "Can only be chosen with the job_id of a confirmed job"))
            raise error


class ProcessPdfHeaders(HeadersMapping):
    Prefer = string_node(
        max_length=256,
        missing=colander.drop,
        description="respond-async: answer 202 with the job's status URL at once (RFC 7240).",
    )


class ProcessPdfRequest(colander.MappingSchema):
    body = ProcessPdfForm()
    header = ProcessPdfHeaders(missing={})
    querystring = EmptyQuery(missing={})


class StatusPath(colander.MappingSchema):
    job_id = string_node(max_length=64)


class StatusRequest(colander.MappingSchema):
    path = StatusPath()
    querystring = EmptyQuery(missing={})


@process_pdf.post(
    permission=AUTHENTICATED,
    schema=ProcessPdfRequest(),
    validators=(colander_validator,),
    rate_limit="process-pdf",
    accepts_files=True,
)
def process_pdf_file(request):
    form = request.validated["body"]
    jobs = request.find_service(IJobService)
    if "job_id" in form:
        job = start_job(request, form)
    else:
        user = request.identity.user
        limit = form.get("sentence_length_limit")
        if limit is None:
            limit = request.find_service(IAccountService).settings_of(user).sentence_length_limit
        job = jobs.submit(user.id, form["pdf_file"], limit, options_of(form))
    if not _prefers_async(request):
        sentences = jobs.wait_for_result(job.id, request.registry.settings["jobs.sync_wait_seconds"])
        if sentences is not None:
            return {"sentences": sentences}
    status_url = request.route_url(job_status.name, job_id=job.id)
    request.response.status_code = 202
    request.response.headers["Location"] = status_url
    return {"job_id": job.id, "status_url": status_url}


@job_status.get(permission=AUTHENTICATED, schema=StatusRequest(), validators=(colander_validator,))
def read_status(request):
    service = request.find_service(IJobService)
    job = service.get(request.identity.id, request.validated["path"]["job_id"])
    sentences = service.sentences(job) if job.status == JobStatus.COMPLETED else None
    return v1_status_json(job, sentences)


def _prefers_async(request):
    preferences = request.validated["header"].get("Prefer", "")
    # "Prefer: respond-async, wait=10": comma-separated preferences, each with optional ";" parameters.
    return any(token.split(";")[0].strip().lower() == "respond-async" for token in preferences.split(","))
