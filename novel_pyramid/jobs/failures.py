"""Why a job or one of its chunks failed: a stable code and our own message, never a remote service's words.

What Gemini (or any normaliser's service) says about a failure can name our
configuration, a model, a quota or an internal detail of theirs. It goes to the
log, where the request or task id bound to every line finds it; the job, its
chunks, its history entry and every API answer carry only what is below.
"""

import logging
from typing import NamedTuple

from novel_pyramid.errors import InvalidPdf, UpstreamError, UpstreamRateLimited, UpstreamTimeout

log = logging.getLogger(__name__)


class Failure(NamedTuple):
    code: str
    message: str


REWRITING_FAILED = Failure("upstream_error", "The rewriting service failed; try again later.")
REWRITING_RATE_LIMITED = Failure(
    "upstream_rate_limited", "The rewriting service is receiving too many requests; try again later."
)
REWRITING_TIMED_OUT = Failure("upstream_timeout", "The rewriting service did not answer in time; try again later.")
REWRITER_CRASHED = Failure("normalizer_failed", "The sentence rewriter failed unexpectedly.")
INTERNAL_ERROR = Failure("internal_error", "An internal error stopped the processing; please try again.")
CANCELLED = Failure("cancelled", "Cancelled by the user.")

# Every code a job or chunk can carry (jobs.error_code, job_chunks.error_code).
FAILURE_CODES = [
    REWRITING_FAILED.code,
    REWRITING_RATE_LIMITED.code,
    REWRITING_TIMED_OUT.code,
    REWRITER_CRASHED.code,
    "too_many_attempts",
    INTERNAL_ERROR.code,
    InvalidPdf.code,
    CANCELLED.code,
]

# By the code of the ``UpstreamError`` a normaliser raised; any other code is REWRITING_FAILED.
_OF_UPSTREAM_CODE = {failure.code: failure for failure in (REWRITING_RATE_LIMITED, REWRITING_TIMED_OUT)}
# The other way round, for the v1 answer that waits for its job: the error to raise.
_UPSTREAM_ERRORS = {UpstreamRateLimited.code: UpstreamRateLimited, UpstreamTimeout.code: UpstreamTimeout}


def rewriting_failure(error, chunk_id):
    """Our ``Failure`` for a normaliser's ``UpstreamError``; the service's own text is logged, nothing more."""
    log.warning("Chunk %s could not be rewritten (%s): %s", chunk_id, error.code, error.message)
    return _OF_UPSTREAM_CODE.get(error.code, REWRITING_FAILED)


def too_many_attempts(attempts):
    """A chunk whose worker died ``attempts`` times: it probably kills the worker, and would again."""
    return Failure("too_many_attempts", f"Gave up after {attempts} attempts.")


def upstream_error_of(job):
    """The ``UpstreamError`` (of the right kind) a job whose chunks failed answers with."""
    return _UPSTREAM_ERRORS.get(job.error_code, UpstreamError)(job.error_message)
