"""A hung Redis does not hang the web tier: uploads answer 503 at once, reads come from the database.

A private redis-server serves as cache, rate-limit store and Celery broker, as
one Redis does in production. It is paused with SIGSTOP (a hung server: the
kernel still accepts connections, nothing answers) and resumed with SIGCONT,
its data kept. Tasks are not eager: an upload publishes to the paused broker.
The figures (time to 503, liveness latency) are printed; ``-s`` shows them.
"""

import functools
import threading
import time
import uuid

import pytest
import requests
from sqlalchemy import func, select
from webtest.http import StopableWSGIServer

from novel_pyramid.db import make_engine
from novel_pyramid.jobs.models import Job
from tests.fakes.pdfs import text_pdf
from tests.fakes.servers import redis_fixture, timed_request
from tests.functional.conftest import bearer
from tests.functional.test_cache import add_history_entry

pytestmark = [pytest.mark.redis, pytest.mark.slow]

pausable_redis = redis_fixture("pausable_redis")

BREAKER_RESET_SECONDS = 1.0
# The first callers wait out the short time-outs (0.5 s to connect, 0.5 s to read, one retry)...
FIRST_ANSWER_WITHIN_SECONDS = 3.0
# ...everyone after them is answered without asking Redis.
AT_ONCE_SECONDS = 0.3
UPLOADS = {"v1": "/api/v1/process-pdf", "v2": "/api/v2/jobs"}
LIVE = "/api/v1/health/live"


def answered_within(seconds, call):
    """``(result, elapsed)`` of ``call()``, failing the test if it has not returned after ``seconds``.

    The call runs in a daemon thread, so a request that hangs on Redis fails
    the test instead of hanging the suite; SIGCONT later lets it finish.
    """
    outcome = {}

    def run():
        started = time.monotonic()
        try:
            outcome["result"] = call()
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error
        outcome["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"no answer within {seconds} s while Redis is paused")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"], outcome["elapsed"]


def redis_settings(url, **overrides):
    """Cache, rate limits and broker on the one Redis at ``url``; tasks published, not run in-process."""
    return {
        "redis_url": url,
        "celery.broker_url": url,
        "celery.task_always_eager": "false",
        "cache.backend": "redis",
        "cache.redis_url": url,
        "cache.key_prefix": f"test:{uuid.uuid4().hex}:",
        "ratelimit.enabled": "true",
        "ratelimit.storage_url": url,
        "ratelimit.limits": "process-pdf=1000/hour, default=1000/hour",
        "redis.breaker_reset_seconds": str(BREAKER_RESET_SECONDS),
        **overrides,
    }


@pytest.fixture
def app(make_app, pausable_redis):
    return make_app(**redis_settings(pausable_redis.url))


def sign_in(app, email="lea@example.com"):
    return app.post_json("/api/v1/auth/dev-login", {"email": email}).json


@functools.cache
def novel_pdf():
    return text_pdf()


def upload(app, path, headers):
    return app.post(path, upload_files=[("pdf_file", "roman.pdf", novel_pdf())], headers=headers, expect_errors=True)


def job_count(dbsession):
    dbsession.expire_all()
    return dbsession.scalar(select(func.count()).select_from(Job))


def queued_messages(redis_server):
    return redis_server.client().llen("celery")


@pytest.mark.parametrize("version", sorted(UPLOADS))
def test_an_upload_answers_503_with_retry_after_within_seconds_while_redis_is_paused(
    app, pausable_redis, dbsession, version
):
    headers = bearer(sign_in(app)["access_token"])
    app.get("/api/v1/settings", headers=headers, status=200)  # warm: the cache holds the settings
    with pausable_redis.paused():
        first, first_elapsed = answered_within(10, lambda: upload(app, UPLOADS[version], headers))
        then = [answered_within(10, lambda: upload(app, UPLOADS[version], headers)) for _ in range(3)]
    print(
        f"\n{version} upload, Redis paused: first 503 after {first_elapsed:.2f} s, then {[round(e, 3) for _, e in then]} s"
    )

    for response in [first, *(response for response, _ in then)]:
        assert response.status_int == 503, response.text
        assert response.json["code"] == "service_unavailable"
        assert 1 <= int(response.headers["Retry-After"]) <= BREAKER_RESET_SECONDS + 5
    assert first_elapsed < FIRST_ANSWER_WITHIN_SECONDS
    assert all(elapsed < AT_ONCE_SECONDS for _, elapsed in then)
    # Refused uploads leave no job behind: the client's retry is the one that counts.
    assert job_count(dbsession) == 0


def test_liveness_never_asks_redis(app, pausable_redis):
    headers = bearer(sign_in(app)["access_token"])
    with pausable_redis.paused():
        # Fresh breakers: nothing has failed yet, so any Redis call would wait for its time-out.
        timings = [answered_within(5, lambda: app.get(LIVE, headers=headers))[1] for _ in range(10)]
    print(f"\nliveness, Redis paused: slowest {max(timings) * 1000:.1f} ms")
    assert max(timings) < AT_ONCE_SECONDS
    pausable_redis.reset_command_calls()
    app.get(LIVE, headers=headers, status=200)
    assert pausable_redis.command_calls() == {}


def test_history_and_settings_are_read_from_the_database_while_redis_is_paused(app, pausable_redis):
    login = sign_in(app)
    headers = bearer(login["access_token"])
    add_history_entry(app, login["user"]["id"], "roman.pdf")
    app.put_json("/api/v1/settings", {"sentence_length_limit": 12}, headers=headers)
    for path in ("/api/v1/history", "/api/v1/settings"):
        app.get(path, headers=headers, status=200)  # cached

    with pausable_redis.paused():
        (history, first_elapsed) = answered_within(10, lambda: app.get("/api/v1/history", headers=headers))
        settings, settings_elapsed = answered_within(5, lambda: app.get("/api/v1/settings", headers=headers))
        # Each read waits out its own calls until the breaker has seen enough failures;
        # from then on nobody waits.
        _, again_elapsed = answered_within(5, lambda: app.get("/api/v1/settings", headers=headers))
        # A write while Redis hangs: its invalidation cannot reach the cache now.
        changed, _ = answered_within(
            5, lambda: app.put_json("/api/v1/settings", {"sentence_length_limit": 14}, headers=headers)
        )
        after_write, _ = answered_within(5, lambda: app.get("/api/v1/settings", headers=headers))
    print(
        f"\nreads, Redis paused: history {first_elapsed:.2f} s, settings {settings_elapsed:.2f} s, "
        f"then {again_elapsed * 1000:.1f} ms"
    )

    assert [entry["original_filename"] for entry in history.json] == ["roman.pdf"]
    assert settings.json["sentence_length_limit"] == 12
    assert changed.json["sentence_length_limit"] == 14 and after_write.json["sentence_length_limit"] == 14
    assert first_elapsed + settings_elapsed < FIRST_ANSWER_WITHIN_SECONDS and again_elapsed < AT_ONCE_SECONDS

    # Redis answers again with the entry of 12 still stored: the missed invalidation
    # is sent before this process reads the cache again, so 12 is never served.
    deadline = time.monotonic() + 15
    while True:
        pausable_redis.reset_command_calls()
        assert app.get("/api/v1/settings", headers=headers).json["sentence_length_limit"] == 14
        if {"get", "mget"} & set(pausable_redis.command_calls()):
            break  # answered with the cache in use again
        assert time.monotonic() < deadline, "the cache was never used again after Redis came back"
        time.sleep(0.1)
    assert app.get("/api/v1/settings", headers=headers).json["sentence_length_limit"] == 14


def test_rate_limits_fail_open_without_waiting_while_redis_is_paused(make_app, pausable_redis):
    app = make_app(**redis_settings(pausable_redis.url, **{"ratelimit.limits": "default=2/hour"}))
    headers = bearer(sign_in(app)["access_token"])
    with pausable_redis.paused():
        answers = [answered_within(5, lambda: app.get("/api/v1/settings", headers=headers)) for _ in range(5)]
    # Over the limit of 2, yet every request passes, uncounted.
    assert [response.status_int for response, _ in answers] == [200] * 5
    assert all("X-RateLimit-Limit" not in response.headers for response, _ in answers)
    # A request makes two Redis calls (its counter, its cache read): the breaker has
    # seen enough failures within the first two, and nobody waits after them.
    assert answers[0][1] + answers[1][1] < FIRST_ANSWER_WITHIN_SECONDS
    assert all(elapsed < AT_ONCE_SECONDS for _, elapsed in answers[2:])

    time.sleep(BREAKER_RESET_SECONDS)
    assert app.get("/api/v1/settings", headers=headers).headers["X-RateLimit-Limit"] == "2"


def test_readiness_reports_redis_and_the_broker_down_within_seconds_and_stays_serving(app, pausable_redis):
    with pausable_redis.paused():
        # Each round probes what its breaker still lets through: Redis, then the broker (same server).
        rounds = [answered_within(10, lambda: app.get("/api/v1/health")) for _ in range(3)]
    timings = [elapsed for _, elapsed in rounds]
    print(f"\nreadiness, Redis paused: {[round(elapsed, 3) for elapsed in timings]} s")
    for response, _ in rounds:
        body = response.json
        assert body["status"] == "degraded"
        assert body["checks"]["redis"]["status"] == "down" and body["checks"]["broker"]["status"] == "down"
        assert body["checks"]["database"]["status"] == "up"
    assert max(timings) < FIRST_ANSWER_WITHIN_SECONDS
    assert timings[-1] < AT_ONCE_SECONDS  # the breaker is open: nothing waits for Redis


def test_everything_recovers_once_redis_answers_again(app, pausable_redis, dbsession):
    headers = bearer(sign_in(app)["access_token"])
    with pausable_redis.paused():
        assert answered_within(10, lambda: upload(app, UPLOADS["v2"], headers))[0].status_int == 503
        assert answered_within(5, lambda: upload(app, UPLOADS["v2"], headers))[0].status_int == 503
    broker = app.app.registry["celery.app"]
    messages_before = queued_messages(pausable_redis)  # a publish the pause cut short may have landed

    deadline = time.monotonic() + BREAKER_RESET_SECONDS + 5
    while (response := upload(app, UPLOADS["v2"], headers)).status_int == 503:
        assert time.monotonic() < deadline, "uploads still refused after Redis came back"
        time.sleep(0.1)
    recovered_after = time.monotonic() - deadline + BREAKER_RESET_SECONDS + 5
    print(f"\nafter SIGCONT: uploads accepted again after {recovered_after:.2f} s")

    assert response.status_int == 202
    assert job_count(dbsession) == 1
    assert queued_messages(pausable_redis) == messages_before + 1  # the extraction waits for a worker
    assert broker.conf.task_always_eager is False
    ready = app.get("/api/v1/health").json
    assert ready["status"] == "healthy", ready
    assert app.get("/api/v1/settings", headers=headers).headers["X-RateLimit-Limit"] == "1000"
    pausable_redis.reset_command_calls()
    app.get("/api/v1/settings", headers=headers)
    assert "get" in pausable_redis.command_calls()  # the cache is read again


REQUEST_THREADS = 4


@pytest.fixture
def served(make_app, pausable_redis, database_url):
    """The app behind a real threaded WSGI server (waitress) with REQUEST_THREADS threads."""
    engine = make_engine({"database_url": database_url, "database.pool_size": 2 * REQUEST_THREADS + 2})
    app = make_app(**redis_settings(pausable_redis.url, **{"db.engine": engine}))
    server = StopableWSGIServer.create(app.app, threads=REQUEST_THREADS)
    assert server.wait(), "the test server did not start"
    yield server.application_url.rstrip("/")
    server.shutdown()
    engine.dispose()


def test_twice_as_many_uploads_as_request_threads_do_not_starve_the_server(served, pausable_redis):
    token = requests.post(f"{served}/api/v1/auth/dev-login", json={"email": "lea@example.com"}, timeout=10).json()
    headers = bearer(token["access_token"])
    pdf = novel_pdf()
    uploads, probes = [], []
    start = threading.Barrier(2 * REQUEST_THREADS + 1)

    def uploader(path):
        start.wait()
        files = {"pdf_file": ("roman.pdf", pdf)}
        uploads.append(timed_request(lambda: requests.post(served + path, files=files, headers=headers, timeout=15)))

    def prober():
        start.wait()
        for _ in range(10):
            probes.append(timed_request(lambda: requests.get(served + LIVE, timeout=15)))
            time.sleep(0.1)

    with pausable_redis.paused():
        paths = [UPLOADS["v1"], UPLOADS["v2"]] * REQUEST_THREADS
        threads = [threading.Thread(target=uploader, args=(path,)) for path in paths]
        threads.append(threading.Thread(target=prober))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=40)
    print(
        f"\n{len(uploads)} concurrent uploads on {REQUEST_THREADS} threads, Redis paused: "
        f"slowest 503 after {max(e for _, e in uploads):.2f} s; "
        f"liveness slowest {max(e for _, e in probes):.2f} s, median {sorted(e for _, e in probes)[len(probes) // 2] * 1000:.0f} ms"
    )
    assert [status for status, _ in uploads] == [503] * 2 * REQUEST_THREADS
    assert max(elapsed for _, elapsed in uploads) < 2 * FIRST_ANSWER_WITHIN_SECONDS
    assert [status for status, _ in probes] == [200] * 10
    assert max(elapsed for _, elapsed in probes) < FIRST_ANSWER_WITHIN_SECONDS
