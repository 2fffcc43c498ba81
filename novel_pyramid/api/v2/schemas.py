"""Colander schemas of the v2 job requests: body, query string and path."""

import base64
import binascii
import datetime
import json
import re

import colander

from novel_pyramid.accounts.models import MAX_SENTENCE_LENGTH_LIMIT, MIN_SENTENCE_LENGTH_LIMIT
from novel_pyramid.api.event_stream import EventStreamHeaders
from novel_pyramid.credits.pricing import PREFERENCES
from novel_pyramid.credits.schemas import MAX_RESERVATION_CREDITS
from novel_pyramid.jobs.models import JobStatus
from novel_pyramid.jobs.schemas import ProcessingOptionsForm, uploaded_pdf_node
from novel_pyramid.schema.types import EmptyQuery, QueryInt, StrictMapping, string_node

JOBS_DEFAULT_LIMIT = 20
JOBS_MAX_LIMIT = 100
SENTENCES_DEFAULT_LIMIT = 100
SENTENCES_MAX_LIMIT = 1000


# Job ids are UUIDs; a cursor is only ever made from one.
JOB_ID_RE = re.compile(r"[0-9a-f-]{1,36}")


class JobCursor(colander.SchemaType):
    """An opaque page cursor: the (created_at, id) key of the last job of the previous page."""

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return cstruct
        try:
            text = str(cstruct)
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            created_at, job_id = json.loads(raw)
            if not isinstance(job_id, str) or not JOB_ID_RE.fullmatch(job_id):
                raise ValueError("not a job id")
            return datetime.datetime.fromisoformat(created_at), job_id
        except (binascii.Error, ValueError, TypeError):
            raise colander.Invalid(node, "Must be the next_cursor of a previous page") from None

    def json_schema(self, node):
        """For the OpenAPI document: URL-safe base64 text, never empty."""
        return {"type": "string", "minLength": 1, "pattern": "^[A-Za-z0-9_-]+$"}


def encode_job_cursor(job):
    raw = json.dumps([job.created_at.isoformat(), job.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


RESERVATION_FIELDS = ("model_preference", "reserve_credits")


class CreateJobForm(StrictMapping, ProcessingOptionsForm):
    """multipart/form-data. With ``model_preference`` and ``reserve_credits`` (both or neither) the job reserves
    an estimate's credits as it is created, as POST /api/v1/credits/jobs/confirm does, and runs on that model.
    """

    pdf_file = uploaded_pdf_node()
    sentence_length_limit = colander.SchemaNode(
        QueryInt(),
        validator=colander.Range(MIN_SENTENCE_LENGTH_LIMIT, MAX_SENTENCE_LENGTH_LIMIT),
        missing=colander.drop,
        description="Longest sentence kept, in words; defaults to the user's setting.",
    )
    model_preference = string_node(
        validator=colander.OneOf(PREFERENCES),
        missing=colander.drop,
        description="balanced, quality or speed: the model the job runs on; with reserve_credits only.",
    )
    reserve_credits = colander.SchemaNode(
        QueryInt(),
        validator=colander.Range(1, MAX_RESERVATION_CREDITS),
        missing=colander.drop,
        description="The estimated_credits of an estimate of this file (POST /api/v1/estimate-pdf) to reserve; "
        "with model_preference only.",
    )

    def validator(self, node, form):
        # Both or neither; said in the descriptions (schemathesis cannot generate multipart bodies under a "not").
        given = [name for name in RESERVATION_FIELDS if name in form]
        if len(given) == 1:
            (missing,) = set(RESERVATION_FIELDS) - set(given)
            error = colander.Invalid(node)
            error.add(colander.Invalid(node[missing], f"Required with {given[0]}: a reservation needs both"))
            raise error


class CreateJobRequest(colander.MappingSchema):
    body = CreateJobForm()
    querystring = EmptyQuery(missing={})


class JobListQuery(StrictMapping):
    status = string_node(validator=colander.OneOf([status.value for status in JobStatus]), missing=colander.drop)
    limit = colander.SchemaNode(QueryInt(), validator=colander.Range(1, JOBS_MAX_LIMIT), missing=JOBS_DEFAULT_LIMIT)
    cursor = colander.SchemaNode(JobCursor(), missing=colander.drop)


class JobListRequest(colander.MappingSchema):
    querystring = JobListQuery(missing={})


class UuidPath(colander.MappingSchema):
    """A resource named in the path by its id (a UUID: jobs, sessions)."""

    id = string_node(max_length=36)


class JobRequest(colander.MappingSchema):
    path = UuidPath()
    querystring = EmptyQuery(missing={})


class JobEventsRequest(colander.MappingSchema):
    path = UuidPath()
    querystring = EmptyQuery(missing={})
    header = EventStreamHeaders(missing={})


class SentencesQuery(StrictMapping):
    cursor = colander.SchemaNode(
        QueryInt(),
        validator=colander.Range(0, 2**31 - 1),
        missing=0,
        description="Index of the first sentence: the next_cursor of the previous page.",
    )
    limit = colander.SchemaNode(
        QueryInt(), validator=colander.Range(1, SENTENCES_MAX_LIMIT), missing=SENTENCES_DEFAULT_LIMIT
    )


class SentencesRequest(colander.MappingSchema):
    path = UuidPath()
    querystring = SentencesQuery(missing={})
