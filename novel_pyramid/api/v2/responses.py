"""What the v2 jobs and sessions endpoints answer, as Colander schemas for the OpenAPI document.

Keys are (Cornice service name, method); see ``novel_pyramid.api.openapi.responses``
for the value forms. 400/401/404/429 are added by the generator where they apply.
Exports declare theirs beside their services (``novel_pyramid.api.v2.exports``).
"""

import colander

from novel_pyramid.accounts.models import MAX_SENTENCE_LENGTH_LIMIT, MIN_SENTENCE_LENGTH_LIMIT
from novel_pyramid.api.event_stream import documented_responses
from novel_pyramid.api.openapi.responses import ERROR, Response, text_field, timestamp_field
from novel_pyramid.jobs.failures import FAILURE_CODES
from novel_pyramid.schema.types import StrictInt, StrictMapping, StrictString

JOB_STATUSES = ["awaiting_upload", "queued", "processing", "completed", "failed", "cancelled"]


def _count(**kwargs):
    return colander.SchemaNode(StrictInt(), validator=colander.Range(min=0), **kwargs)


class JobProgress(StrictMapping):
    chunks_total = _count()
    chunks_done = _count()
    chunks_failed = _count()
    percent = colander.SchemaNode(StrictInt(), validator=colander.Range(0, 100))


class JobLinks(StrictMapping):
    self = text_field(validator=colander.url)
    cancel = text_field(validator=colander.url)
    retry = text_field(validator=colander.url)
    sentences = text_field(validator=colander.url, missing=colander.drop, description="Once completed")
    exports = text_field(validator=colander.url, missing=colander.drop, description="Once completed")


class JobBody(StrictMapping):
    id = text_field()
    status = text_field(validator=colander.OneOf(JOB_STATUSES))
    step = text_field(description="What the job is doing now")
    original_filename = colander.SchemaNode(StrictString(allow_empty=True), nullable=True)
    sentence_length_limit = colander.SchemaNode(
        StrictInt(), validator=colander.Range(MIN_SENTENCE_LENGTH_LIMIT, MAX_SENTENCE_LENGTH_LIMIT)
    )
    normalizer = text_field()
    processing_settings = colander.SchemaNode(
        colander.Mapping(unknown="preserve"),
        nullable=True,
        description="What it runs with: sentence_length_limit, gemini_model and the processing options",
    )
    model = text_field(nullable=True, description="The model its credits were reserved for; null: the configured one")
    reserved_credits = _count(nullable=True, description="Credits reserved with it; null: none")
    progress = JobProgress()
    sentences_count = _count(nullable=True, description="Once completed")
    error = colander.SchemaNode(
        StrictString(allow_empty=True), nullable=True, description="Why it failed or was cancelled, in our words"
    )
    error_code = text_field(
        validator=colander.OneOf(FAILURE_CODES),
        nullable=True,
        description="Why, as a stable code (upstream_*: the rewriting service failed)",
    )
    created_at = timestamp_field()
    started_at = timestamp_field(nullable=True)
    finished_at = timestamp_field(nullable=True)
    updated_at = timestamp_field()
    links = JobLinks()


class JobItems(colander.SequenceSchema):
    job = JobBody()


class JobPage(StrictMapping):
    """Newest first; pass next_cursor back as ?cursor= for the next page."""

    items = JobItems()
    next_cursor = text_field(nullable=True)


class Sentence(StrictMapping):
    index = _count()
    text = text_field()


class SentenceItems(colander.SequenceSchema):
    sentence = Sentence()


class SentencePage(StrictMapping):
    items = SentenceItems()
    next_cursor = text_field(nullable=True)


class SessionBody(StrictMapping):
    id = text_field()
    created_at = timestamp_field()
    last_used_at = timestamp_field(nullable=True)
    expires_at = timestamp_field(nullable=True)
    user_agent = colander.SchemaNode(StrictString(allow_empty=True), nullable=True)
    ip_address = colander.SchemaNode(StrictString(allow_empty=True), nullable=True)
    current = colander.SchemaNode(colander.Boolean(), description="The session making this request")


class SessionItems(colander.SequenceSchema):
    session = SessionBody()


class SessionsBody(StrictMapping):
    sessions = SessionItems()


class SignedOutEverywhereBody(StrictMapping):
    message = text_field()
    revoked_sessions = _count()


ACCEPTED_JOB = Response(JobBody(), "Accepted: the job, queued", headers={"Location": "The job's URL"})
CONFLICT = Response(ERROR.schema, "Not possible in the job's current status")

RESPONSES = {
    ("v2.jobs", "POST"): {
        202: ACCEPTED_JOB,
        402: Response(ERROR.schema, "The balance does not cover reserve_credits; nothing was written"),
        409: Response(
            ERROR.schema,
            "reserve_credits is no recent estimate of this server for this user at today's prices, "
            "or less than this file's own estimate; nothing was written",
        ),
        413: Response(ERROR.schema, "The file is larger than MAX_FILE_SIZE"),
        503: Response(ERROR.schema, "The processing queue is down; nothing was written"),
    },
    ("v2.jobs", "GET"): {200: JobPage()},
    ("v2.job", "GET"): {200: JobBody()},
    ("v2.job", "DELETE"): {204: Response(None, "Deleted (a running job is cancelled first)")},
    ("v2.job_cancel", "POST"): {200: JobBody(), 409: CONFLICT},
    ("v2.job_retry", "POST"): {202: ACCEPTED_JOB, 409: CONFLICT},
    ("v2.job_sentences", "GET"): {200: SentencePage(), 409: CONFLICT},
    ("v2.job_events", "GET"): documented_responses("job_progress", "/jobs/{id}"),
    ("v2.auth.sessions", "GET"): {200: SessionsBody()},
    ("v2.auth.session", "DELETE"): {204: Response(None, "Signed out")},
    ("v2.auth.logout_all", "POST"): {200: SignedOutEverywhereBody()},
}
