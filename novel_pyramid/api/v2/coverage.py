"""v2 coverage runs as resources (docs/api.md, "Coverage runs").

``POST /coverage/runs``                    the v1 run body: 202, the run, ``Location``
``GET  /coverage/runs``                    ``?limit=&cursor=``: the user's runs, newest first
``GET  /coverage/runs/{id}``               status, step, progress, config, stats, learning set, links
``GET  /coverage/runs/{id}/assignments``   ``?cursor=&limit=``: ``{"items": [assignment], "next_cursor"}``
``POST /coverage/runs/{id}/swap``          ``{word_key, new_sentence_index}``: the changed assignment
``GET  /coverage/runs/{id}/diagnosis``     why each uncovered word was missed
``GET  /coverage/runs/{id}/download``      the learning set as CSV
``POST /coverage/runs/{id}/export``        ``{sheet_name, folder_id?}``: a new Google spreadsheet
``GET  /coverage/runs/{id}/events``        Server-Sent Events: ``coverage_progress`` (the run), resumable

Another user's run is 404 everywhere.
"""

import colander
from cornice.validators import colander_validator

from novel_pyramid.api import api_service
from novel_pyramid.api.event_stream import EventStreamHeaders, documented_responses, event_stream_response
from novel_pyramid.api.openapi.responses import (
    OpenMapping,
    Response,
    integer_field,
    nullable_integer_field,
    nullable_text_field,
    nullable_timestamp_field,
    text_field,
    timestamp_field,
)
from novel_pyramid.api.v1.coverage import (
    RESPONSES as V1_RESPONSES,
)
from novel_pyramid.api.v1.coverage import (
    AssignmentsBody,
    LearningSetBody,
    SourceIdList,
    csv_response,
)
from novel_pyramid.api.validators import querystring_validator
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.coverage import schemas
from novel_pyramid.coverage.events import run_room
from novel_pyramid.coverage.interfaces import ICoverageService
from novel_pyramid.coverage.models import RunMode, RunStatus, SourceType
from novel_pyramid.coverage.serializers import assignment_json, diagnosis_json, v2_run_json
from novel_pyramid.schema.types import EmptyQuery, StrictMapping

runs = api_service("v2.coverage.runs", "/coverage/runs")
run = api_service("v2.coverage.run", "/coverage/runs/{id}")
run_assignments = api_service("v2.coverage.run.assignments", "/coverage/runs/{id}/assignments")
run_swap = api_service("v2.coverage.run.swap", "/coverage/runs/{id}/swap")
run_diagnosis = api_service("v2.coverage.run.diagnosis", "/coverage/runs/{id}/diagnosis")
run_download = api_service("v2.coverage.run.download", "/coverage/runs/{id}/download")
run_export = api_service("v2.coverage.run.export", "/coverage/runs/{id}/export")
run_events = api_service("v2.coverage.run.events", "/coverage/runs/{id}/events")

SERVICES = (runs, run, run_assignments, run_swap, run_diagnosis, run_download, run_export, run_events)
PROGRESS_EVENT = "coverage_progress"


class RunEventsRequest(colander.MappingSchema):
    path = schemas.RunPath()
    querystring = EmptyQuery(missing={})
    header = EventStreamHeaders(missing={})


JSON_BODY_VIEW = {"permission": AUTHENTICATED, "validators": (colander_validator,)}


@runs.post(schema=schemas.RunRequest(), max_body_bytes=schemas.RUN_MAX_BODY_BYTES, **JSON_BODY_VIEW)
def create_run(request):
    started = request.find_service(ICoverageService).start(request.identity.user, request.validated["body"])
    request.response.status_code = 202
    request.response.headers["Location"] = request.route_url(run.name, id=started.id)
    return _run_json(request, started)


@runs.get(permission=AUTHENTICATED, schema=schemas.RunsRequest(), validators=(querystring_validator,))
def list_runs(request):
    query = request.validated["querystring"]
    page, more = request.find_service(ICoverageService).page(
        request.identity.id, limit=query["limit"], before_id=query.get("cursor")
    )
    return {"items": [_run_json(request, item) for item in page], "next_cursor": str(page[-1].id) if more else None}


@run.get(permission=AUTHENTICATED, schema=schemas.RunOnlyRequest(), validators=(colander_validator,))
def read_run(request):
    return _run_json(request, _users_run(request))


@run_assignments.get(permission=AUTHENTICATED, schema=schemas.AssignmentsRequest(), validators=(colander_validator,))
def list_assignments(request):
    service = request.find_service(ICoverageService)
    found = _users_run(request)
    query = request.validated["querystring"]
    items, total = service.assignments(found, offset=query["cursor"], limit=query["limit"])
    following = query["cursor"] + len(items)
    return {
        "items": [assignment_json(item, found.source_type) for item in items],
        "total": total,
        "next_cursor": str(following) if following < total else None,
    }


@run_swap.post(schema=schemas.SwapRequest(), **JSON_BODY_VIEW)
def swap_assignment(request):
    found = _users_run(request)
    body = request.validated["body"]
    changed = request.find_service(ICoverageService).swap(
        request.identity.id, found.id, body["word_key"], body["new_sentence_index"]
    )
    return assignment_json(changed, found.source_type)


@run_diagnosis.get(permission=AUTHENTICATED, schema=schemas.RunOnlyRequest(), validators=(colander_validator,))
def diagnose_run(request):
    return diagnosis_json(_completed_run(request))


@run_download.get(permission=AUTHENTICATED, schema=schemas.RunOnlyRequest(), validators=(colander_validator,))
def download_run(request):
    return csv_response(request, _completed_run(request))


@run_export.post(schema=schemas.ExportRequest(), rate_limit="export", **JSON_BODY_VIEW)
def export_run(request):
    body = request.validated["body"]
    result = request.find_service(ICoverageService).export(
        request.identity.user, request.validated["path"]["id"], body["sheet_name"], body.get("folder_id")
    )
    return {"spreadsheet_id": result.details.get("spreadsheet_id"), "url": result.url}


@run_events.get(permission=AUTHENTICATED, schema=RunEventsRequest(), validators=(colander_validator,))
def run_event_stream(request):
    followed = _users_run(request)
    return event_stream_response(
        request,
        event=PROGRESS_EVENT,
        state=_run_json(request, followed),
        ended=RunStatus(followed.status).is_final,
        room=run_room(followed.id),
        retry_ms=request.registry.settings["sse.retry_ms"],
    )


def _users_run(request):
    return request.find_service(ICoverageService).get(request.identity.id, request.validated["path"]["id"])


def _completed_run(request):
    return request.find_service(ICoverageService).completed(request.identity.id, request.validated["path"]["id"])


def _run_json(request, item):
    def url(service):
        return request.route_url(service.name, id=item.id)

    links = {"self": url(run), "assignments": url(run_assignments)}
    if item.status == RunStatus.COMPLETED:
        links.update(diagnosis=url(run_diagnosis), download=url(run_download), export=url(run_export))
    return v2_run_json(item, links)


# -- what they answer (the OpenAPI document) ---------------------------------------------------


def _link(**kwargs):
    return text_field(validator=colander.url, **kwargs)


class RunLinks(StrictMapping):
    self = _link()
    assignments = _link()
    diagnosis = _link(missing=colander.drop, description="Once completed")
    download = _link(missing=colander.drop, description="Once completed")
    export = _link(missing=colander.drop, description="Once completed")


class RunProgress(StrictMapping):
    percent = integer_field(validator=colander.Range(0, 100))


class RunBody(StrictMapping):
    id = integer_field()
    mode = text_field(validator=colander.OneOf([mode.value for mode in RunMode]))
    source_type = text_field(validator=colander.OneOf([kind.value for kind in SourceType]))
    source_ids = SourceIdList()
    wordlist_id = nullable_integer_field()
    status = text_field(validator=colander.OneOf([status.value for status in RunStatus]))
    step = text_field(description="queued, reading, keying, covering, writing or finished")
    progress = RunProgress()
    config = OpenMapping(description="The config the run works with, defaults filled in")
    stats = OpenMapping(nullable=True)
    learning_set = LearningSetBody(nullable=True)
    credits_charged = integer_field()
    error = nullable_text_field()
    created_at = timestamp_field()
    started_at = nullable_timestamp_field()
    completed_at = nullable_timestamp_field()
    links = RunLinks()


class RunItems(colander.SequenceSchema):
    run = RunBody()


class RunPage(StrictMapping):
    """Newest first; pass next_cursor back as ?cursor= for the next page."""

    items = RunItems()
    next_cursor = nullable_text_field()


class AssignmentPage(StrictMapping):
    items = AssignmentsBody()
    total = integer_field()
    next_cursor = nullable_text_field()


class ExportedBody(StrictMapping):
    spreadsheet_id = nullable_text_field()
    url = text_field()


RESPONSES = {
    ("v2.coverage.runs", "POST"): {
        202: Response(RunBody(), "Accepted: the run, queued (completed already when tasks run in-process)"),
        **{status: V1_RESPONSES[("v1.coverage.run", "POST")][status] for status in (402, 404, 409, 503)},
    },
    ("v2.coverage.runs", "GET"): {200: RunPage()},
    ("v2.coverage.run", "GET"): {200: RunBody()},
    ("v2.coverage.run.assignments", "GET"): {200: AssignmentPage()},
    ("v2.coverage.run.swap", "POST"): V1_RESPONSES[("v1.coverage.runs.swap", "POST")],
    ("v2.coverage.run.diagnosis", "GET"): V1_RESPONSES[("v1.coverage.runs.diagnosis", "GET")],
    ("v2.coverage.run.download", "GET"): V1_RESPONSES[("v1.coverage.runs.download", "GET")],
    ("v2.coverage.run.events", "GET"): documented_responses(PROGRESS_EVENT, "/coverage/runs/{id}"),
    ("v2.coverage.run.export", "POST"): {
        **V1_RESPONSES[("v1.coverage.runs.export", "POST")],
        200: ExportedBody(),
    },
}
