"""When Gemini's retries run out, the error's code says which kind of failure it was."""

import pytest

from novel_pyramid.errors import UpstreamError, UpstreamRateLimited, UpstreamTimeout
from tests.fakes.gemini_server import blocked, hang_up, http_error, slow

LIMIT = 8
LONG = (
    "Le vieil homme marchait lentement le long de la rivière, en regardant "
    "les bateaux qui passaient sous le vieux pont de pierre."
)


@pytest.mark.parametrize(
    ("replies", "error", "code"),
    [
        ([http_error(429)] * 2, UpstreamRateLimited, "upstream_rate_limited"),
        ([http_error(504)] * 2, UpstreamTimeout, "upstream_timeout"),
        ([http_error(408)] * 2, UpstreamTimeout, "upstream_timeout"),
        ([slow(1.0)] * 2, UpstreamTimeout, "upstream_timeout"),
        ([http_error(500)] * 2, UpstreamError, "upstream_error"),
        ([hang_up()] * 2, UpstreamError, "upstream_error"),
        ([http_error(400)], UpstreamError, "upstream_error"),
        ([blocked()] * 2, UpstreamError, "upstream_error"),
    ],
    ids=["429", "504", "408", "too-slow", "500", "dropped", "400", "refusal"],
)
def test_the_error_when_retries_run_out_carries_a_stable_code(fake_gemini, make_normalizer, replies, error, code):
    fake_gemini.script(*replies)

    with pytest.raises(UpstreamError) as failure:
        make_normalizer(max_retries=1, timeout_seconds=0.3).rewrite([LONG], LIMIT)

    assert type(failure.value) is error
    assert failure.value.code == code
    assert failure.value.status_code == 502
