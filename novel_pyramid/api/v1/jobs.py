"""v1 jobs of the current frontend (docs/api.md, "Jobs with a reservation").

``POST /process-pdf-async``  multipart ``pdf_file`` + ``job_id`` (from confirm) + options: 202, the job started
``POST /jobs/{id}/cancel``   stop the job and refund its reservation: ``{message, job_id, status}``
``GET  /credits/jobs``       ``?limit=&status=``: the user's jobs in the frontend's Job shape, newest first

A job id of another user is 404 everywhere. ``gemini_model`` at the upload
must name the model the confirmation reserved credits for (409 otherwise):
the price of a job is fixed when its credits are reserved.
"""

import colander
from cornice.validators import colander_validator

from novel_pyramid.api import api_service
from novel_pyramid.api.openapi.responses import (
    ERROR,
    Response,
    integer_field,
    nullable_integer_field,
    nullable_text_field,
    nullable_timestamp_field,
    text_field,
)
from novel_pyramid.api.v1.responses import RESPONSES as V1_RESPONSES
from novel_pyramid.api.validators import querystring_validator
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.credits.pricing import PREFERENCES
from novel_pyramid.jobs.interfaces import IJobService
from novel_pyramid.jobs.schemas import (
    ProcessingOptionsForm,
    options_of,
    sentence_length_limit_node,
    uploaded_pdf_node,
)
from novel_pyramid.jobs.serializers import (
    FRONTEND_STATUSES,
    statuses_of_frontend,
    v1_cancelled_job_json,
    v1_credits_job_json,
    v1_started_job_json,
)
from novel_pyramid.schema.types import EmptyQuery, QueryInt, StrictMapping, string_node

process_pdf_async = api_service("v1.process_pdf_async", "/process-pdf-async")
job_cancel = api_service("v1.jobs.cancel", "/jobs/{id}/cancel")
credits_jobs = api_service("v1.credits.jobs", "/credits/jobs")

SERVICES = (process_pdf_async, job_cancel, credits_jobs)
PROCESS_PDF_RESPONSES = V1_RESPONSES[("v1.process_pdf", "POST")]

JOBS_DEFAULT_LIMIT = 50
JOBS_MAX_LIMIT = 200


def job_id_node(**kwargs):
    return string_node(max_length=64, description="The job_id of POST /credits/jobs/confirm.", **kwargs)


GEMINI_MODEL_DESCRIPTION = "balanced, quality or speed: it must stand for the model of the job's reservation."


def gemini_model_node(description=GEMINI_MODEL_DESCRIPTION):
    return string_node(validator=colander.OneOf(PREFERENCES), missing=colander.drop, description=description)


def limit_node(**kwargs):
    return sentence_length_limit_node(
        description="Longest sentence kept, in words; defaults to the one the job was confirmed with.", **kwargs
    )


class ProcessPdfAsyncForm(StrictMapping, ProcessingOptionsForm):
    """multipart/form-data, as the frontend's FormData sends it (booleans as "true"/"false")."""

    pdf_file = uploaded_pdf_node()
    job_id = job_id_node()
    sentence_length_limit = limit_node()
    gemini_model = gemini_model_node()


class ProcessPdfAsyncRequest(colander.MappingSchema):
    body = ProcessPdfAsyncForm()
    querystring = EmptyQuery(missing={})


class JobPath(colander.MappingSchema):
    id = string_node(max_length=64)


class JobRequest(colander.MappingSchema):
    path = JobPath()
    querystring = EmptyQuery(missing={})


class JobsQuery(StrictMapping):
    limit = colander.SchemaNode(QueryInt(), validator=colander.Range(1, JOBS_MAX_LIMIT), missing=JOBS_DEFAULT_LIMIT)
    status = string_node(
        validator=colander.OneOf(FRONTEND_STATUSES),
        missing=colander.drop,
        description="The frontend's status (pending: confirmed or queued, not started yet).",
    )


class JobsRequest(colander.MappingSchema):
    querystring = JobsQuery(missing={})


def start_job(request, form):
    """Start the confirmed job ``form["job_id"]`` with the form's upload and options: the job."""
    return request.find_service(IJobService).start(
        request.identity.id, form["job_id"], form["pdf_file"], form.get("sentence_length_limit"), options_of(form)
    )


@process_pdf_async.post(
    permission=AUTHENTICATED,
    schema=ProcessPdfAsyncRequest(),
    validators=(colander_validator,),
    rate_limit="process-pdf",
    accepts_files=True,
)
def process_pdf_in_background(request):
    started = start_job(request, request.validated["body"])
    request.response.status_code = 202
    return v1_started_job_json(started)


@job_cancel.post(permission=AUTHENTICATED, schema=JobRequest(), validators=(colander_validator,))
def cancel_job(request):
    return v1_cancelled_job_json(
        request.find_service(IJobService).cancel(request.identity.id, request.validated["path"]["id"])
    )


@credits_jobs.get(permission=AUTHENTICATED, schema=JobsRequest(), validators=(querystring_validator,))
def list_jobs(request):
    query = request.validated["querystring"]
    service = request.find_service(IJobService)
    status = query.get("status")
    page, _ = service.page(
        request.identity.id, limit=query["limit"], status=statuses_of_frontend(status) if status else None
    )
    facts = service.facts(page)
    return [v1_credits_job_json(job, facts[job.id]) for job in page]


# -- what they answer (the OpenAPI document) ---------------------------------------------------


class StartedJobBody(StrictMapping):
    job_id = text_field()
    task_id = text_field(description="The broker's id of the job's extraction task")
    status = text_field(validator=colander.OneOf(FRONTEND_STATUSES), description="pending until a worker starts it")
    message = text_field()


class CancelledJobBody(StrictMapping):
    job_id = text_field()
    status = text_field(validator=colander.OneOf(["cancelled"]))
    message = text_field()


class FailedChunks(colander.SequenceSchema):
    position = integer_field()


class FrontendJobBody(StrictMapping):
    """The frontend's Job, as far as our fields go."""

    id = text_field()
    user_id = integer_field()
    history_id = integer_field(missing=colander.drop, description="Its history entry, once it has ended")
    status = text_field(validator=colander.OneOf(FRONTEND_STATUSES))
    original_filename = nullable_text_field()
    model = nullable_text_field()
    estimated_tokens = nullable_integer_field(description="What the estimate counted, when the confirmation said")
    actual_tokens = integer_field(description="Tokens the model read and wrote so far")
    estimated_credits = nullable_integer_field()
    actual_credits = nullable_integer_field(description="Once the job has ended and its credits are settled")
    pricing_version = nullable_text_field()
    pricing_rate = colander.SchemaNode(colander.Float(), nullable=True, description="Credits per 1,000 tokens")
    progress_percent = integer_field()
    current_step = text_field()
    error_message = nullable_text_field()
    error_code = nullable_text_field()
    total_chunks = integer_field()
    processed_chunks = integer_field()
    failed_chunks = FailedChunks(description="Positions (from 0) of the parts that failed")
    processing_time_seconds = colander.SchemaNode(
        colander.Float(), nullable=True, description="From the start of its extraction to its end"
    )
    gemini_tokens_used = integer_field(description="Same as actual_tokens")
    gemini_api_calls = integer_field(description="Calls made to the model")
    processing_settings = colander.SchemaNode(colander.Mapping(unknown="preserve"), nullable=True)
    celery_task_id = nullable_text_field(description="The broker's id of its extraction task")
    is_cancelled = colander.SchemaNode(colander.Boolean())
    started_at = nullable_timestamp_field()
    completed_at = nullable_timestamp_field()
    created_at = colander.SchemaNode(colander.DateTime())
    updated_at = colander.SchemaNode(colander.DateTime())


class FrontendJobsBody(colander.SequenceSchema):
    """Newest first."""

    job = FrontendJobBody()


NO_SUCH_JOB = Response(ERROR.schema, "job_id names no job of this user")
QUEUE_DOWN = Response(ERROR.schema, "The processing queue is down; the job still awaits its upload")

RESPONSES = {
    # /process-pdf (api.v1.responses) answers these too once it is given a job_id.
    ("v1.process_pdf", "POST"): {
        **PROCESS_PDF_RESPONSES,
        404: NO_SUCH_JOB,
        409: Response(
            ERROR.schema,
            "The job was cancelled while the client waited, or its job_id already has its upload or has ended",
        ),
        503: QUEUE_DOWN,
    },
    ("v1.process_pdf_async", "POST"): {
        202: StartedJobBody(),
        404: NO_SUCH_JOB,
        409: Response(
            ERROR.schema,
            "The job already has its upload or has ended, "
            "or gemini_model does not stand for the model its credits were reserved for",
        ),
        413: Response(ERROR.schema, "The file is larger than MAX_FILE_SIZE"),
        503: QUEUE_DOWN,
    },
    ("v1.jobs.cancel", "POST"): {
        200: CancelledJobBody(),
        409: Response(ERROR.schema, "The job has already ended"),
    },
    ("v1.credits.jobs", "GET"): {200: FrontendJobsBody()},
    # Declared here with the Job shape it shares with the list (novel_pyramid.api.v1.credits serves it).
    ("v1.credits.jobs.item", "GET"): {200: FrontendJobBody()},
}
