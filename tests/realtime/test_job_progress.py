"""Following a job over Socket.IO, against the application served on a local port."""

import time

import requests

from novel_pyramid.auth.interfaces import IAccessTokens
from novel_pyramid.realtime import publish_job_changed
from novel_pyramid.realtime.interfaces import IProgressPublisher
from novel_pyramid.tasks import blank_request
from tests.realtime.conftest import Follower, advance, running_job, short_lived_token


def publisher_of(served):
    return blank_request(served.registry).find_service(IProgressPublisher)


def test_a_joined_client_gets_the_state_at_once_then_every_change_in_order_up_to_100(served, follower, dbsession):
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id, chunks_total=4)
    client = follower()
    client.join(job.id, token)

    assert client.expect("joined_room") == {"job_id": job.id}
    first = client.expect("job_progress")
    assert first["id"] == job.id
    assert first["status"] == "processing"
    assert first["progress_percent"] == 0
    assert first["total_chunks"] == 4

    publisher = publisher_of(served)
    for done in range(1, 4):
        advance(dbsession, job, publisher, chunks_done=done)
    advance(dbsession, job, publisher, chunks_done=4, status="completed", step="finished")

    seen = [client.expect("job_progress") for _ in range(4)]
    assert [state["progress_percent"] for state in seen] == [25, 50, 75, 100]
    assert [state["processed_chunks"] for state in seen] == [1, 2, 3, 4]
    assert seen[-1]["status"] == "completed"
    # The same Job the REST API answers.
    rest = served.get(f"/api/v1/credits/jobs/{job.id}", token)
    assert rest == seen[-1]


def test_a_late_joiner_gets_the_current_state_at_once(served, follower, dbsession):
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id, chunks_total=10)
    publisher = publisher_of(served)
    for done in range(1, 8):
        advance(dbsession, job, publisher, chunks_done=done)

    client = follower()
    client.join(job.id, token)
    client.expect("joined_room")
    assert client.expect("job_progress")["progress_percent"] == 70
    client.quiet_for(0.3)


def test_a_wrong_token_is_refused_as_invalid(served, follower, dbsession):
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id)
    client = follower()
    for bad in ("not-a-token", token[:-4] + "AAAA"):
        client.join(job.id, bad)
        assert client.expect("error") == {"message": "invalid_token"}
    # Not in the room: a change of the job reaches no one.
    advance(dbsession, job, publisher_of(served), chunks_done=1)
    client.quiet_for(0.3)


def test_an_expired_token_is_refused_as_expired(served, follower, dbsession):
    user_id, token = served.sign_in()
    session_id = served.verify(token)["sid"]
    job = running_job(dbsession, user_id)
    expired = short_lived_token(served.registry.settings, user_id, session_id, seconds=-10)
    client = follower()
    client.join(job.id, expired)
    assert client.expect("error") == {"message": "token_expired"}


def test_a_token_that_expires_while_joined_is_reported_and_ends_the_membership(served, follower, dbsession):
    user_id, token = served.sign_in()
    session_id = served.verify(token)["sid"]
    job = running_job(dbsession, user_id)
    # JWT expiries are whole seconds: this one lives three to four.
    expiring = short_lived_token(served.registry.settings, user_id, session_id, seconds=4)
    client = follower()
    client.join(job.id, expiring)
    client.expect("joined_room")
    client.expect("job_progress")

    assert client.expect("error", timeout=8) == {"message": "token_expired", "job_id": job.id}
    advance(dbsession, job, publisher_of(served), chunks_done=1)
    client.quiet_for(0.3)
    # A fresh token joins again, as the frontend does after its refresh.
    client.join(job.id, token)
    client.expect("joined_room")
    assert client.expect("job_progress")["processed_chunks"] == 1


def test_a_signed_out_session_cannot_join(served, follower, dbsession):
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id)
    served.post("/api/v1/auth/logout", token)
    client = follower()
    client.join(job.id, token)
    assert client.expect("error") == {"message": "invalid_token"}


def test_another_users_job_and_an_unknown_job_read_alike_as_not_found(served, follower, dbsession):
    owner_id, _ = served.sign_in("owner@example.com")
    _, token = served.sign_in("other@example.com")
    job = running_job(dbsession, owner_id)
    client = follower()
    client.join(job.id, token)
    theirs = client.expect("error")
    client.join("0b6f2b8e-0000-4000-8000-000000000000", token)
    unknown = client.expect("error")
    assert theirs == {"message": f"Job {job.id} was not found among your jobs."}
    assert unknown == {"message": "Job 0b6f2b8e-0000-4000-8000-000000000000 was not found among your jobs."}
    # Refused, so not in the room.
    advance(dbsession, job, publisher_of(served), chunks_done=1)
    client.quiet_for(0.3)


def test_malformed_payloads_are_answered_in_plain_words(served, follower):
    client = follower()
    client.client.emit("join_job", {"job_id": "x"})
    assert client.expect("error") == {
        "message": "token: This field is required",
        "details": {"token": ["This field is required"]},
    }
    client.client.emit("join_job", "job-1")
    assert client.expect("error") == {"message": "join_job needs an object with job_id, token."}
    client.client.emit("join_job", {"job_id": 12, "token": "t" * 5000})
    error = client.expect("error")
    assert error["message"] == "job_id: Must be a string (and 1 more problem, listed in details)"
    assert error["details"]["job_id"] == ["Must be a string"]
    assert list(error["details"]) == ["job_id", "token"]
    client.client.emit("leave_job", {})
    assert client.expect("error")["message"] == "job_id: This field is required"


def test_after_leaving_a_client_hears_no_more_of_the_job(served, follower, dbsession):
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id)
    client, other = follower(), follower()
    for each in (client, other):
        each.join(job.id, token)
        each.expect("joined_room")
        each.expect("job_progress")

    client.leave(job.id)
    assert client.expect("left_room") == {"job_id": job.id}
    advance(dbsession, job, publisher_of(served), chunks_done=1)
    assert other.expect("job_progress")["processed_chunks"] == 1
    client.quiet_for(0.3)


def test_a_client_that_reconnects_and_joins_again_gets_the_state_it_missed(served, follower, dbsession):
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id)
    publisher = publisher_of(served)
    client = follower()
    client.join(job.id, token)
    client.expect("joined_room")
    client.expect("job_progress")

    client.close()
    advance(dbsession, job, publisher, chunks_done=3)

    again = follower()
    again.join(job.id, token)
    again.expect("joined_room")
    assert again.expect("job_progress")["processed_chunks"] == 3
    advance(dbsession, job, publisher, chunks_done=4, status="completed", step="finished")
    assert again.expect("job_progress")["status"] == "completed"


def test_publish_job_changed_finds_the_publisher_from_a_registry(served, follower, dbsession):
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id)
    client = follower()
    client.join(job.id, token)
    client.expect("joined_room")
    client.expect("job_progress")
    job.chunks_done = 2
    dbsession.commit()
    publish_job_changed(served.registry, job.id)
    assert client.expect("job_progress")["processed_chunks"] == 2


def test_the_rest_api_is_served_on_the_same_port(served):
    assert served.get("/api/v1/health/live")["status"]


def test_throttling_sends_at_most_one_state_per_window_and_always_the_last(serve, dbsession):
    # A window long enough that nine commits surely fall in it, even on a busy machine.
    served = serve(**{"realtime.throttle_ms": "3000"})
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id, chunks_total=20)
    client = Follower(served.url).connect()
    try:
        client.join(job.id, token)
        client.expect("joined_room")
        client.expect("job_progress")
        publisher = publisher_of(served)
        started = time.monotonic()
        for done in range(1, 10):
            advance(dbsession, job, publisher, chunks_done=done)
        # The first change goes out at once, the eight within its window as one state at the window's end.
        assert client.expect("job_progress")["processed_chunks"] == 1
        assert client.expect("job_progress")["processed_chunks"] == 9
        assert time.monotonic() - started >= 2.9
        # Inside the next window: this change waits for its end...
        advance(dbsession, job, publisher, chunks_done=10)
        client.quiet_for(0.5)
        # ...but the job's end goes out at once, and nothing older follows it.
        advance(dbsession, job, publisher, chunks_done=20, status="completed", step="finished")
        final = client.expect("job_progress", timeout=2)
        assert (final["status"], final["processed_chunks"]) == ("completed", 20)
        client.quiet_for(3.5)
    finally:
        client.close()


def test_access_tokens_come_from_the_served_app(served):
    _, token = served.sign_in()
    assert blank_request(served.registry).find_service(IAccessTokens).verify(token)["typ"] == "access"


def test_a_plain_get_of_the_socketio_path_is_refused_not_failed(served):
    # What a probe or curl sends: no WebSocket upgrade, no Origin.
    plain = requests.get(f"{served.url}/socket.io/?EIO=4&transport=websocket", timeout=10)
    polling = requests.get(f"{served.url}/socket.io/?EIO=4&transport=polling", timeout=10)

    assert plain.status_code == 400
    assert polling.status_code == 400  # WebSocket only
