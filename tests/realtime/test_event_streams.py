"""v2 ``GET /api/v2/jobs/{id}/events`` kept open by the served realtime process (Server-Sent Events).

The stream begins with the view's answer (tests/functional/test_job_events_v2.py)
and continues with each change the room is announced with, heartbeats between.
"""

import pytest
import requests

from novel_pyramid.realtime.interfaces import IProgressPublisher
from novel_pyramid.realtime.progress import SERVER_KEY
from novel_pyramid.tasks import blank_request
from tests.realtime.conftest import (
    EventStream,
    advance,
    publish_in_another_process,
    running_coverage_run,
    running_job,
    short_lived_token,
    wait_until,
)


@pytest.fixture
def streams():
    opened = []

    def open_stream(*args, **kwargs):
        stream = EventStream(*args, **kwargs)
        opened.append(stream)
        return stream

    yield open_stream
    for stream in opened:
        stream.close()


def events_url(served, job):
    return f"{served.url}/api/v2/jobs/{job.id}/events"


def publisher_of(served):
    return blank_request(served.registry).find_service(IProgressPublisher)


def test_a_stream_follows_a_job_in_order_to_100_and_ends_with_it(serve, streams, dbsession):
    served = serve(**{"sse.heartbeat_seconds": "30"})
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id, chunks_total=4)
    stream = streams(events_url(served, job), token)
    assert stream.response.status_code == 200
    assert stream.response.headers["X-Accel-Buffering"] == "no"
    assert "Novel-Stream-Room" not in stream.response.headers
    name, first_id, first = stream.event()
    assert (name, first["progress"]["percent"]) == ("job_progress", 0)

    publisher = publisher_of(served)
    for done in range(1, 4):
        advance(dbsession, job, publisher, chunks_done=done)
        assert stream.event()[2]["progress"]["chunks_done"] == done
    advance(dbsession, job, publisher, chunks_done=4, status="completed", step="finished")

    _, last_id, last = stream.event()
    assert (last["status"], last["progress"]["percent"]) == ("completed", 100)
    assert last == served.get(f"/api/v2/jobs/{job.id}", token)
    stream.expect_closed()
    # An EventSource reconnecting with the last id is told to stop.
    again = requests.get(
        events_url(served, job), headers={"Authorization": f"Bearer {token}", "Last-Event-ID": last_id}
    )
    assert again.status_code == 204


def test_resuming_with_last_event_id_sends_only_what_changed_since(serve, streams, dbsession):
    served = serve(**{"sse.heartbeat_seconds": "30"})
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id, chunks_total=4)
    first = streams(events_url(served, job), token)
    _, seen_id, _ = first.event()
    first.close()

    # Missed while disconnected: the resumed stream begins with the newest state.
    publisher = publisher_of(served)
    advance(dbsession, job, publisher, chunks_done=1)
    advance(dbsession, job, publisher, chunks_done=2)
    resumed = streams(events_url(served, job), token, last_event_id=seen_id)
    _, resumed_id, state = resumed.event()
    assert state["progress"]["chunks_done"] == 2
    resumed.close()

    # Nothing missed: nothing is sent again, and the next change still comes.
    current = streams(events_url(served, job), token, last_event_id=resumed_id)
    advance(dbsession, job, publisher, chunks_done=3)
    assert current.event()[2]["progress"]["chunks_done"] == 3


def test_an_idle_stream_gets_heartbeats(serve, streams, dbsession):
    served = serve(**{"sse.heartbeat_seconds": "1"})
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id)
    stream = streams(events_url(served, job), token)
    stream.event()

    assert stream.next(timeout=5) == ("heartbeat", None)
    assert stream.next(timeout=5) == ("heartbeat", None)


def test_a_change_nobody_announced_still_arrives_by_the_next_heartbeat(serve, streams, dbsession):
    served = serve(**{"sse.heartbeat_seconds": "1"})
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id)
    stream = streams(events_url(served, job), token)
    stream.event()

    job.chunks_done = 2
    dbsession.commit()  # and no publisher told

    assert stream.event(timeout=5)[2]["progress"]["chunks_done"] == 2


def test_an_expired_token_ends_the_stream_with_an_error_event(serve, streams, dbsession):
    served = serve(**{"sse.heartbeat_seconds": "1"})
    user_id, token = served.sign_in()
    session_id = served.verify(token)["sid"]
    short = short_lived_token(served.registry.settings, user_id, session_id, seconds=2)
    job = running_job(dbsession, user_id)
    stream = streams(events_url(served, job), short)
    stream.event()

    name, _, error = stream.event(timeout=8)

    assert name == "error"
    assert error["code"] in ("token_expired", "unauthorized", "invalid_token")
    assert error["error"]
    stream.expect_closed()


def test_another_users_job_and_a_missing_token_are_refused_as_json(serve, dbsession):
    served = serve()
    owner_id, _ = served.sign_in()
    _, other_token = served.sign_in("marc@example.com")
    job = running_job(dbsession, owner_id)

    not_theirs = requests.get(events_url(served, job), headers={"Authorization": f"Bearer {other_token}"}, timeout=10)
    anonymous = requests.get(events_url(served, job), timeout=10)

    assert (not_theirs.status_code, not_theirs.json()["code"]) == (404, "not_found")
    assert anonymous.status_code == 401
    assert anonymous.headers["Content-Type"].startswith("application/json")


def test_a_client_that_goes_away_is_forgotten(serve, streams, dbsession):
    served = serve(**{"sse.heartbeat_seconds": "1"})
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id)
    stream = streams(events_url(served, job), token)
    stream.event()
    signals = served.registry[SERVER_KEY].signals
    assert signals.followers(f"job:{job.id}") == 1

    stream.close()

    wait_until(lambda: signals.followers(f"job:{job.id}") == 0, timeout=10)


def test_a_publisher_in_another_process_reaches_a_stream_through_redis(
    serve, streams, dbsession, database_url, redis_url, channel
):
    served = serve(**{"redis_url": redis_url, "realtime.channel": channel, "sse.heartbeat_seconds": "60"})
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id, chunks_total=2)
    stream = streams(events_url(served, job), token)
    stream.event()

    job.chunks_done = 1
    dbsession.commit()
    publish_in_another_process(database_url, redis_url, channel, job.id)

    assert stream.event()[2]["progress"]["chunks_done"] == 1


def test_a_token_verified_at_the_start_is_checked_again_on_each_event(serve, streams, dbsession):
    # Signed out while following: the next change is refused, not sent.
    served = serve(**{"sse.heartbeat_seconds": "30"})
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id)
    stream = streams(events_url(served, job), token)
    stream.event()

    served.post("/api/v1/auth/logout", token)
    advance(dbsession, job, publisher_of(served), chunks_done=1)

    name, _, error = stream.event()
    assert name == "error" and error["error"]
    stream.expect_closed()


def test_a_stream_follows_a_coverage_run_to_its_end(serve, streams, dbsession):
    served = serve(**{"sse.heartbeat_seconds": "30"})
    user_id, token = served.sign_in()
    run = running_coverage_run(dbsession, user_id)
    stream = streams(f"{served.url}/api/v2/coverage/runs/{run.id}/events", token)
    assert stream.event()[0:1] == ("coverage_progress",)

    publisher = publisher_of(served)
    for percent, status in ((60, "processing"), (100, "completed")):
        run.progress_percent, run.status = percent, status
        dbsession.commit()
        publisher.coverage_run_changed(run.id)
        name, _, state = stream.event()
        assert (name, state["progress"]["percent"], state["status"]) == ("coverage_progress", percent, status)
    stream.expect_closed()
