"""v2 ``GET /api/v2/jobs/{id}/events`` as a plain WSGI process answers it: the state now, as one event.

The realtime process keeps the same answer open (tests/realtime/test_event_streams.py).
"""

import json

import pytest
from sqlalchemy import select

from novel_pyramid.accounts.models import User
from novel_pyramid.api.event_stream import STREAM_ROOM_HEADER, event_id
from novel_pyramid.jobs.models import Job, JobStatus


@pytest.fixture
def app(headers, make_app):
    return make_app(**{"sse.retry_ms": "1500"})


@pytest.fixture
def make_job(dbsession):
    def factory(email="lea@example.com", status=JobStatus.PROCESSING):
        user = dbsession.scalar(select(User).where(User.email == email))
        job = Job(
            user_id=user.id,
            status=status,
            step="normalizing",
            original_filename="roman.pdf",
            sentence_length_limit=8,
            normalizer="local",
            chunks_total=4,
            chunks_done=1,
        )
        dbsession.add(job)
        dbsession.commit()
        return job

    return factory


def events_of(body):
    """``[(field -> value)]`` of each event block of an event-stream body."""
    blocks = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        blocks.append(fields)
    return blocks


def test_a_running_job_streams_its_state_with_an_id_and_names_its_room(app, headers, make_job):
    job = make_job()

    response = app.get(f"/api/v2/jobs/{job.id}/events", headers=headers)

    assert response.content_type == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Accel-Buffering"] == "no"
    assert response.headers[STREAM_ROOM_HEADER] == f"job:{job.id}"
    retry, event = events_of(response.text)
    assert retry == {"retry": "1500"}
    assert event["event"] == "job_progress"
    state = json.loads(event["data"])
    assert state["id"] == job.id
    assert state["progress"] == {"chunks_total": 4, "chunks_done": 1, "chunks_failed": 0, "percent": 25}
    assert event["id"] == event_id(state)
    # The same state as the job resource.
    assert state == app.get(f"/api/v2/jobs/{job.id}", headers=headers).json


def test_a_client_that_has_the_state_gets_no_event_again(app, headers, make_job):
    job = make_job()
    first = events_of(app.get(f"/api/v2/jobs/{job.id}/events", headers=headers).text)[1]

    again = app.get(f"/api/v2/jobs/{job.id}/events", headers={**headers, "Last-Event-ID": first["id"]})

    assert events_of(again.text) == [{"retry": "1500"}]
    assert again.headers[STREAM_ROOM_HEADER] == f"job:{job.id}"


def test_resuming_after_a_change_gets_the_new_state(app, headers, make_job, dbsession):
    job = make_job()
    first = events_of(app.get(f"/api/v2/jobs/{job.id}/events", headers=headers).text)[1]
    job.chunks_done = 3
    dbsession.commit()

    resumed = events_of(
        app.get(f"/api/v2/jobs/{job.id}/events", headers={**headers, "Last-Event-ID": first["id"]}).text
    )

    assert json.loads(resumed[1]["data"])["progress"]["chunks_done"] == 3
    assert resumed[1]["id"] != first["id"]


def test_an_ended_job_sends_its_last_state_and_names_no_room(app, headers, make_job):
    job = make_job(status=JobStatus.COMPLETED)

    response = app.get(f"/api/v2/jobs/{job.id}/events", headers=headers)

    assert STREAM_ROOM_HEADER not in response.headers
    assert json.loads(events_of(response.text)[1]["data"])["status"] == "completed"


def test_an_ended_job_whose_last_state_the_client_has_answers_204(app, headers, make_job):
    # 204 is what tells a browser's EventSource to stop reconnecting.
    job = make_job(status=JobStatus.FAILED)
    last = events_of(app.get(f"/api/v2/jobs/{job.id}/events", headers=headers).text)[1]["id"]

    response = app.get(f"/api/v2/jobs/{job.id}/events", headers={**headers, "Last-Event-ID": last}, status=204)

    assert response.body == b""


def test_another_users_job_is_not_found(app, headers, auth_headers, make_job):
    job = make_job()

    response = app.get(f"/api/v2/jobs/{job.id}/events", headers=auth_headers("marc@example.com"), status=404)

    assert response.json["code"] == "not_found"


def test_without_a_token_the_stream_is_refused(app, headers, make_job):
    job = make_job()

    response = app.get(f"/api/v2/jobs/{job.id}/events", status=401)

    assert response.content_type == "application/json"
    assert response.json["error"]


def test_an_oversized_last_event_id_is_refused_in_words(app, headers, make_job):
    job = make_job()

    response = app.get(f"/api/v2/jobs/{job.id}/events", headers={**headers, "Last-Event-ID": "x" * 65}, status=400)

    assert response.json["code"] == "invalid_input"
    assert "Last-Event-Id" in response.json["details"]
    assert "Traceback" not in response.text and "<" not in response.json["error"]


def test_an_unknown_query_parameter_is_refused(app, headers, make_job):
    job = make_job()

    response = app.get(f"/api/v2/jobs/{job.id}/events?since=3", headers=headers, status=400)

    assert response.json["code"] == "invalid_input"
