"""v2 jobs: the asynchronous, job-centred API (docs/api.md, "v2: jobs as resources").

``POST   /jobs``                 multipart ``pdf_file`` (+ ``sentence_length_limit``, the processing options,
                                ``model_preference`` + ``reserve_credits`` to reserve): 202, the job, ``Location``
``GET    /jobs``                 the user's jobs, newest first: ``?status=&limit=&cursor=``
``GET    /jobs/{id}``            status, step, progress, timestamps, error, links
``POST   /jobs/{id}/cancel``     stop a queued or running job (idempotent; 409 once it has ended otherwise)
``POST   /jobs/{id}/retry``      queue the failed chunks of a failed job again: 202 (409 if nothing to retry)
``DELETE /jobs/{id}``            204; a running job is cancelled first
``GET    /jobs/{id}/sentences``  ``?cursor=&limit=``: ``{"items": [{"index", "text"}], "next_cursor"}``
``GET    /jobs/{id}/events``     Server-Sent Events: ``job_progress`` (the job), resumable (``Last-Event-ID``)

Another user's job is 404 everywhere.
"""

from cornice.validators import colander_validator

from novel_pyramid.accounts.interfaces import IAccountService
from novel_pyramid.api import api_service
from novel_pyramid.api.event_stream import event_stream_response
from novel_pyramid.api.v2 import schemas
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.estimates.interfaces import IEstimateService
from novel_pyramid.jobs.events import job_room
from novel_pyramid.jobs.interfaces import IJobService
from novel_pyramid.jobs.models import JobStatus
from novel_pyramid.jobs.schemas import options_of
from novel_pyramid.jobs.serializers import v2_job_json
from novel_pyramid.jobs.services import Reservation

jobs = api_service("v2.jobs", "/jobs")
job = api_service("v2.job", "/jobs/{id}")
job_cancel = api_service("v2.job_cancel", "/jobs/{id}/cancel")
job_retry = api_service("v2.job_retry", "/jobs/{id}/retry")
job_sentences = api_service("v2.job_sentences", "/jobs/{id}/sentences")
job_events = api_service("v2.job_events", "/jobs/{id}/events")

SERVICES = (jobs, job, job_cancel, job_retry, job_sentences, job_events)
PROGRESS_EVENT = "job_progress"


@jobs.post(
    permission=AUTHENTICATED,
    schema=schemas.CreateJobRequest(),
    validators=(colander_validator,),
    rate_limit="process-pdf",
    accepts_files=True,
)
def create_job(request):
    form = request.validated["body"]
    limit = form.get("sentence_length_limit")
    if limit is None:
        limit = request.find_service(IAccountService).settings_of(request.identity.user).sentence_length_limit
    reservation = None
    if "reserve_credits" in form:
        # As a confirmation: only an amount this server estimated for this user, recently, at today's prices.
        request.find_service(IEstimateService).check_confirm(
            request.identity.id, form["reserve_credits"], form["model_preference"]
        )
        reservation = Reservation(form["reserve_credits"], form["model_preference"])
    created = request.find_service(IJobService).submit(
        request.identity.id, form["pdf_file"], limit, options_of(form), reservation
    )
    return _accepted(request, created)


@jobs.get(permission=AUTHENTICATED, schema=schemas.JobListRequest(), validators=(colander_validator,))
def list_jobs(request):
    query = request.validated["querystring"]
    page, more = request.find_service(IJobService).page(
        request.identity.id, limit=query["limit"], status=query.get("status"), after=query.get("cursor")
    )
    return {
        "items": [_job_json(request, item) for item in page],
        "next_cursor": schemas.encode_job_cursor(page[-1]) if more else None,
    }


@job.get(permission=AUTHENTICATED, schema=schemas.JobRequest(), validators=(colander_validator,))
def read_job(request):
    return _job_json(request, request.find_service(IJobService).get(request.identity.id, _job_id(request)))


@job.delete(permission=AUTHENTICATED, schema=schemas.JobRequest(), validators=(colander_validator,))
def delete_job(request):
    request.find_service(IJobService).delete(request.identity.id, _job_id(request))
    response = request.response
    response.status_code = 204
    del response.content_type  # no body, so no media type
    return response


@job_cancel.post(permission=AUTHENTICATED, schema=schemas.JobRequest(), validators=(colander_validator,))
def cancel_job(request):
    return _job_json(request, request.find_service(IJobService).cancel(request.identity.id, _job_id(request)))


@job_retry.post(permission=AUTHENTICATED, schema=schemas.JobRequest(), validators=(colander_validator,))
def retry_job(request):
    retried = request.find_service(IJobService).retry(request.identity.id, _job_id(request))
    return _accepted(request, retried)


@job_sentences.get(permission=AUTHENTICATED, schema=schemas.SentencesRequest(), validators=(colander_validator,))
def list_sentences(request):
    query = request.validated["querystring"]
    page, more = request.find_service(IJobService).sentences_page(
        request.identity.id, _job_id(request), start=query["cursor"], limit=query["limit"]
    )
    return {
        "items": [{"index": index, "text": text} for index, text in page],
        "next_cursor": str(page[-1][0] + 1) if more else None,
    }


@job_events.get(permission=AUTHENTICATED, schema=schemas.JobEventsRequest(), validators=(colander_validator,))
def job_event_stream(request):
    followed = request.find_service(IJobService).get(request.identity.id, _job_id(request))
    return event_stream_response(
        request,
        event=PROGRESS_EVENT,
        state=_job_json(request, followed),
        ended=JobStatus(followed.status).is_final,
        room=job_room(followed.id),
        retry_ms=request.registry.settings["sse.retry_ms"],
    )


def _job_id(request):
    return request.validated["path"]["id"]


def _job_json(request, item):
    def url(service):
        return request.route_url(service.name, id=item.id)

    links = {"self": url(job), "cancel": url(job_cancel), "retry": url(job_retry)}
    if item.status == JobStatus.COMPLETED:
        links["sentences"] = url(job_sentences)
        links["exports"] = request.route_url("v2.job_exports", id=item.id)
    return v2_job_json(item, links)


def _accepted(request, accepted_job):
    request.response.status_code = 202
    request.response.headers["Location"] = request.route_url(job.name, id=accepted_job.id)
    return _job_json(request, accepted_job)
