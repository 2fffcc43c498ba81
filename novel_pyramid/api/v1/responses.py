"""What each v1 endpoint answers, as Colander schemas for the OpenAPI document (docs/api.md, v1).

Keys are (Cornice service name, method); see ``novel_pyramid.api.openapi.responses``
for the value forms. 400/401/404 are added by the generator where they apply;
only the other statuses are declared here. A new v1 service adds its entry here.
"""

import colander

from novel_pyramid.accounts.models import MAX_SENTENCE_LENGTH_LIMIT, MIN_SENTENCE_LENGTH_LIMIT
from novel_pyramid.api.openapi.responses import (
    ERROR,
    RETRY_AFTER,
    OpenMapping,
    Response,
    nullable_text_field,
    text_field,
    timestamp_field,
)
from novel_pyramid.schema.types import StrictInt, StrictMapping


class MessageBody(StrictMapping):
    message = text_field()


class HealthCheck(OpenMapping):
    status = text_field(validator=colander.OneOf(["up", "down"]))
    required = colander.SchemaNode(colander.Boolean(), description="Down and required: the service is unready")
    latency_ms = colander.SchemaNode(colander.Float())
    error = text_field(missing=colander.drop)


class HealthBody(OpenMapping):
    """Readiness; more keys may be added (docs/api.md, "v1: the frontend's API")."""

    status = text_field(validator=colander.OneOf(["healthy", "degraded", "unhealthy"]))
    service = text_field()
    version = text_field()
    checks = OpenMapping(additional_properties=HealthCheck())
    error = text_field(missing=colander.drop, description="Which required backend is down (503 only)")
    warning = text_field(missing=colander.drop, description="Which optional backend is down (degraded)")


class LivenessBody(StrictMapping):
    status = text_field(validator=colander.OneOf(["alive"]))


class UserBody(StrictMapping):
    id = colander.SchemaNode(StrictInt())
    email = text_field()
    name = nullable_text_field()
    picture = nullable_text_field()
    created_at = timestamp_field()
    last_login = timestamp_field(nullable=True)


class TokensBody(StrictMapping):
    access_token = text_field()
    refresh_token = text_field(
        description=(
            "A new one each time, replacing the one presented: that one, presented again within "
            "JWT_REFRESH_REUSE_INTERVAL_SECONDS (concurrent refreshes), answers the same new one; "
            "later, it signs the session out"
        )
    )


class LoginBody(TokensBody):
    message = text_field(validator=colander.OneOf(["Login successful"]))
    user = UserBody()
    has_sheets_access = colander.SchemaNode(colander.Boolean())


class SettingsBody(OpenMapping):
    """The user's settings; more keys may be added (docs/api.md, "v1: the frontend's API")."""

    sentence_length_limit = colander.SchemaNode(
        StrictInt(),
        validator=colander.Range(MIN_SENTENCE_LENGTH_LIMIT, MAX_SENTENCE_LENGTH_LIMIT),
    )
    updated_at = timestamp_field(nullable=True)


class SavedSettingsBody(SettingsBody):
    """The settings fields at top level, plus a message and the same fields under ``settings``."""

    message = text_field(validator=colander.OneOf(["Settings saved successfully"]))
    settings = SettingsBody()


class Sentences(colander.SequenceSchema):
    sentence = text_field()


class SentencesBody(StrictMapping):
    sentences = Sentences()


class JobAcceptedBody(StrictMapping):
    job_id = text_field()
    status_url = text_field(validator=colander.url)


class JobStatusBody(StrictMapping):
    job_id = text_field()
    status = text_field(validator=colander.OneOf(["queued", "processing", "completed", "failed", "cancelled"]))
    progress_percent = colander.SchemaNode(StrictInt(), validator=colander.Range(0, 100))
    sentences = Sentences(missing=colander.drop, description="Once completed")
    error = text_field(missing=colander.drop, description="Why it failed or was cancelled")


NO_SUCH_WORDLIST = Response(ERROR.schema, "A new default_wordlist_id the user cannot read; nothing was saved")

RESPONSES = {
    ("v1.health", "GET"): {
        200: HealthBody(),
        503: Response(HealthBody(), "A required backend is down", headers=RETRY_AFTER),
    },
    ("v1.health.live", "GET"): {200: LivenessBody()},
    ("v1.auth.google", "POST"): {200: LoginBody(), 401: ERROR, 502: ERROR},
    ("v1.auth.dev_login", "POST"): {200: LoginBody()},
    ("v1.auth.refresh", "POST"): {200: TokensBody(), 401: ERROR},
    ("v1.auth.me", "GET"): {200: UserBody()},
    ("v1.auth.logout", "POST"): {200: MessageBody()},
    ("v1.settings", "GET"): {200: SettingsBody()},
    ("v1.settings", "POST"): {200: SavedSettingsBody(), 404: NO_SUCH_WORDLIST},
    ("v1.settings", "PUT"): {200: SavedSettingsBody(), 404: NO_SUCH_WORDLIST},
    ("v1.history.entry", "DELETE"): {200: MessageBody()},
    ("v1.process_pdf", "POST"): {
        200: Response(SentencesBody(), "The sentences, once the job has finished"),
        202: Response(
            JobAcceptedBody(),
            "Still running, or the client sent Prefer: respond-async",
            headers={"Location": "The job's status URL"},
        ),
        409: Response(ERROR.schema, "The job was cancelled while the client waited"),
        413: Response(ERROR.schema, "The file is larger than MAX_FILE_SIZE"),
        502: Response(ERROR.schema, "The rewriting service failed after retries"),
    },
    ("v1.status", "GET"): {200: JobStatusBody()},
}
