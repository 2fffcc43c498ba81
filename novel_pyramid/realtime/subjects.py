"""What a client can follow live: jobs and coverage runs, each with its events, room and state.

A ``Subject`` says how one kind of resource is followed over Socket.IO (the
join and leave events and the id they carry, the progress event), which room
its followers are in, and how its state is read as committed: the frontend's
JSON of it (the Job of ``GET /api/v1/credits/jobs/{id}``, the CoverageRun of
``GET /api/v1/coverage/runs/{id}``) and whether it has ended.
"""

import dataclasses
from collections.abc import Callable

import colander

from novel_pyramid.coverage.events import run_room
from novel_pyramid.coverage.interfaces import ICoverageService
from novel_pyramid.coverage.models import CoverageRun, RunStatus
from novel_pyramid.coverage.serializers import v1_run_json
from novel_pyramid.jobs.events import job_room
from novel_pyramid.jobs.interfaces import IJobService
from novel_pyramid.jobs.models import Job, JobStatus
from novel_pyramid.jobs.serializers import v1_credits_job_json
from novel_pyramid.jobs.services import JobFacts
from novel_pyramid.schema.types import string_node

# An access token is a few hundred characters; far longer is not one.
MAX_TOKEN_LENGTH = 4096


@dataclasses.dataclass(frozen=True)
class Subject:
    name: str  # in messages: "Job", "Coverage run"
    plural: str  # "jobs", "coverage runs"
    id_field: str  # of the join and leave payloads, and of the replies
    id_node: Callable  # (name) -> the Colander node of that id
    join_event: str
    leave_event: str
    progress_event: str
    room: Callable  # (id) -> room name
    model: type
    find_owned: Callable  # (request, user_id, id) -> the row, or NotFound
    state: Callable  # (request, row) -> JSON
    has_ended: Callable  # (row) -> bool

    def join_schema(self):
        schema = colander.MappingSchema()
        schema.add(self._id_node())
        schema.add(string_node(name="token", max_length=MAX_TOKEN_LENGTH))
        return schema

    def leave_schema(self):
        schema = colander.MappingSchema()
        schema.add(self._id_node())
        return schema

    def _id_node(self):
        return self.id_node(self.id_field)


def _uuid_node(name):
    return string_node(name=name, max_length=64)


def _number_node(name):
    # Run ids are numbers, which the frontend sends as numbers.
    return colander.SchemaNode(colander.Integer(), name=name, validator=colander.Range(1, 2**63 - 1))


def _job_state(request, job):
    try:
        jobs = request.find_service(IJobService)
    except LookupError:
        # A process that registered no jobs service (a worker built without the ledger) still reports progress.
        return v1_credits_job_json(job, JobFacts())
    return v1_credits_job_json(job, jobs.facts([job])[job.id])


JOBS = Subject(
    name="Job",
    plural="jobs",
    id_field="job_id",
    id_node=_uuid_node,
    join_event="join_job",
    leave_event="leave_job",
    progress_event="job_progress",
    room=job_room,
    model=Job,
    find_owned=lambda request, user_id, job_id: request.find_service(IJobService).get(user_id, job_id),
    state=_job_state,
    has_ended=lambda job: JobStatus(job.status).is_final,
)

COVERAGE_RUNS = Subject(
    name="Coverage run",
    plural="coverage runs",
    id_field="run_id",
    id_node=_number_node,
    join_event="join_coverage_run",
    leave_event="leave_coverage_run",
    progress_event="coverage_progress",
    room=run_room,
    model=CoverageRun,
    find_owned=lambda request, user_id, run_id: request.find_service(ICoverageService).get(user_id, run_id),
    state=lambda request, run: v1_run_json(run),
    has_ended=lambda run: RunStatus(run.status).is_final,
)

SUBJECTS = (JOBS, COVERAGE_RUNS)
PROGRESS_EVENTS = frozenset(subject.progress_event for subject in SUBJECTS)
