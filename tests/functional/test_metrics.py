"""Prometheus metrics through the whole app (docs/metrics.md): a scrape after a request, a job, a refusal, a model call.

The metrics of a test process add up over its tests, so each test compares a
scrape taken before with one taken after.
"""

import pytest

from novel_pyramid.metrics.exposition import render
from tests.fakes.gemini_server import http_error
from tests.fakes.pdfs import text_pdf
from tests.functional.conftest import SMALL_CHUNKS, bearer
from tests.scrapes import names, total

CLIENT = {"REMOTE_ADDR": "192.0.2.44"}


def scrape(app):
    body, _ = render(app.app.registry)
    return body.decode("utf-8")


class Delta:
    """What a block changed of one scrape's samples."""

    def __init__(self, app):
        self.app = app
        self.before = scrape(app)

    def __call__(self, name, **labels):
        return total(scrape(self.app), name, **labels) - total(self.before, name, **labels)


def test_the_public_port_does_not_answer_metrics_by_default(testapp):
    testapp.get("/metrics", status=404)


def test_with_the_setting_the_public_port_answers_a_scrape(make_app):
    app = make_app(**{"metrics.on_public_port": "true"})
    app.get("/api/v1/health/live")

    response = app.get("/metrics")

    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert "novel_pyramid_http_requests_total" in names(response.text)


def test_a_request_is_counted_by_route_name_method_and_status_and_timed(testapp):
    delta = Delta(testapp)

    testapp.get("/api/v1/health/live")
    testapp.get("/api/v1/health/live")
    testapp.get("/api/v1/no/such/path/42", status=404)

    route = {"route": "v1.health.live"}
    assert delta("novel_pyramid_http_requests_total", **route, method="GET", status="200") == 2
    assert delta("novel_pyramid_http_request_duration_seconds_count", **route) == 2
    assert delta("novel_pyramid_http_request_duration_seconds_bucket", **route, le="+Inf") == 2
    # An unknown path is one label value, never the path itself.
    assert delta("novel_pyramid_http_requests_total", route="none", method="GET", status="404") == 1
    # The raw path (its id) is in no label; values are the suite's running totals, so only labels are read.
    lines = [line for line in scrape(testapp).splitlines() if line.startswith("novel_pyramid_http")]
    # (Not "42" alone: the suite's 429s are in the status label.)
    assert not any("such/path" in line.partition("{")[2].partition("}")[0] for line in lines)


def test_a_job_counts_its_states_and_times_its_chunks(make_app, headers):
    app = make_app(**SMALL_CHUNKS)
    delta = Delta(app)

    app.post("/api/v1/process-pdf", upload_files=[("pdf_file", "roman.pdf", text_pdf())], headers=headers)

    for state in ("queued", "processing", "completed"):
        assert delta("novel_pyramid_jobs_transitions_total", state=state) == 1, state
    assert delta("novel_pyramid_jobs_transitions_total", state="failed") == 0
    assert delta("novel_pyramid_chunk_duration_seconds_count", normalizer="local", outcome="done") > 1
    assert delta("novel_pyramid_http_requests_total", route="v1.process_pdf", status="200") == 1


def test_a_rate_limit_refusal_is_counted_by_bucket(make_app):
    app = make_app(
        **{"ratelimit.enabled": "true", "ratelimit.storage_url": "memory://", "ratelimit.limits": "default=1/hour"}
    )
    token = app.post_json("/api/v1/auth/dev-login", {"email": "lea@example.com"}, extra_environ=CLIENT).json
    delta = Delta(app)

    app.get("/api/v1/history", headers=bearer(token["access_token"]), extra_environ=CLIENT)
    app.get("/api/v1/history", headers=bearer(token["access_token"]), extra_environ=CLIENT, status=429)

    assert delta("novel_pyramid_ratelimit_refusals_total", bucket="default") == 1
    assert delta("novel_pyramid_http_requests_total", route="v1.history", status="429") == 1


def test_cache_lookups_are_counted_as_hits_and_misses_by_key_kind(make_app, headers):
    app = make_app(**{"cache.backend": "memory"})
    delta = Delta(app)

    app.get("/api/v1/settings", headers=headers)
    app.get("/api/v1/settings", headers=headers)

    kind = {"kind": "accounts.settings"}
    assert delta("novel_pyramid_cache_lookups_total", **kind, result="miss") == 1
    assert delta("novel_pyramid_cache_lookups_total", **kind, result="hit") == 1


def test_model_calls_and_tokens_are_counted_by_model(gemini_app, headers, gemini):
    delta = Delta(gemini_app)

    gemini_app.post("/api/v1/process-pdf", upload_files=[("pdf_file", "roman.pdf", text_pdf())], headers=headers)

    model = {"model": "gemini-2.5-flash"}
    calls = delta("novel_pyramid_model_calls_total", **model, outcome="ok")
    assert calls == len(gemini.requests) > 0
    assert delta("novel_pyramid_model_tokens_total", **model, direction="input") > 0
    assert delta("novel_pyramid_model_tokens_total", **model, direction="output") > 0
    assert delta("novel_pyramid_chunk_duration_seconds_count", normalizer="gemini", outcome="done") > 0


def test_a_refused_model_call_is_counted_as_an_error(gemini_app, headers, gemini):
    gemini.script(http_error(403, "Permission denied on the model."))
    delta = Delta(gemini_app)

    gemini_app.post(
        "/api/v1/process-pdf", upload_files=[("pdf_file", "roman.pdf", text_pdf())], headers=headers, status=502
    )

    assert delta("novel_pyramid_model_calls_total", model="gemini-2.5-flash", outcome="error") >= 1
    assert delta("novel_pyramid_chunk_duration_seconds_count", normalizer="gemini", outcome="failed") >= 1
    assert delta("novel_pyramid_jobs_transitions_total", state="failed") == 1


def test_credits_are_counted_once_committed_by_reason(make_app, headers):
    app = make_app(**SMALL_CHUNKS)
    delta = Delta(app)
    form = {"model_preference": "balanced"}
    files = [("pdf_file", "roman.pdf", text_pdf())]
    credits = app.post("/api/v1/estimate-pdf", form, upload_files=files, headers=headers).json["estimated_credits"]

    app.post("/api/v2/jobs", {**form, "reserve_credits": str(credits)}, upload_files=files, headers=headers)

    assert delta("novel_pyramid_credits_returned_total", reason="monthly_grant") == 2000
    assert delta("novel_pyramid_credits_spent_total", reason="job_reserve") == credits
    assert delta("novel_pyramid_jobs_transitions_total", state="completed") == 1


def test_a_refused_reservation_counts_no_credits(make_app, headers):
    app = make_app(**SMALL_CHUNKS, **{"credits.monthly_grant": "1"})
    form = {"model_preference": "balanced"}
    files = [("pdf_file", "roman.pdf", text_pdf())]
    credits = app.post("/api/v1/estimate-pdf", form, upload_files=files, headers=headers).json["estimated_credits"]
    delta = Delta(app)

    app.post("/api/v2/jobs", {**form, "reserve_credits": str(credits)}, upload_files=files, headers=headers, status=402)

    # The rolled-back request wrote no entry, so none is counted.
    assert delta("novel_pyramid_credits_spent_total") == 0
    assert delta("novel_pyramid_credits_returned_total") == 0
    assert delta("novel_pyramid_jobs_transitions_total") == 0


@pytest.mark.parametrize(
    "name", ["novel_pyramid_db_pool_size_connections", "novel_pyramid_db_pool_checked_out_connections"]
)
def test_the_database_pool_is_reported(testapp, name):
    testapp.get("/api/v1/health/ready", status="*")

    assert name in names(scrape(testapp))
