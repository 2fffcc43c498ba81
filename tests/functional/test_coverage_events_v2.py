"""v2 ``GET /api/v2/coverage/runs/{id}/events`` as a REST process answers it (the stream itself: tests/realtime)."""

import json

import pytest
from sqlalchemy import select

from novel_pyramid.accounts.models import User
from novel_pyramid.api.event_stream import STREAM_ROOM_HEADER
from novel_pyramid.coverage.models import CoverageRun
from tests.functional.test_job_events_v2 import events_of


@pytest.fixture
def make_run(dbsession):
    def factory(email="lea@example.com", status="processing"):
        user = dbsession.scalar(select(User).where(User.email == email))
        run = CoverageRun(
            user_id=user.id,
            mode="coverage",
            source_type="job",
            source_id="job-1",
            source_ids=["job-1"],
            word_keys=["chat"],
            status=status,
            progress_percent=40,
            config={},
        )
        dbsession.add(run)
        dbsession.commit()
        return run

    return factory


def test_a_running_run_streams_its_v2_state_and_names_its_room(testapp, headers, make_run):
    run = make_run()

    response = testapp.get(f"/api/v2/coverage/runs/{run.id}/events", headers=headers)

    assert response.content_type == "text/event-stream"
    assert response.headers[STREAM_ROOM_HEADER] == f"coverage_run:{run.id}"
    event = events_of(response.text)[1]
    assert event["event"] == "coverage_progress"
    assert json.loads(event["data"]) == testapp.get(f"/api/v2/coverage/runs/{run.id}", headers=headers).json


def test_an_ended_run_whose_last_state_the_client_has_answers_204(testapp, headers, make_run):
    run = make_run(status="completed")
    response = testapp.get(f"/api/v2/coverage/runs/{run.id}/events", headers=headers)
    assert STREAM_ROOM_HEADER not in response.headers
    last = events_of(response.text)[1]["id"]

    testapp.get(f"/api/v2/coverage/runs/{run.id}/events", headers={**headers, "Last-Event-ID": last}, status=204)


def test_another_users_run_and_a_malformed_id_are_refused(testapp, headers, auth_headers, make_run):
    run = make_run()

    theirs = testapp.get(f"/api/v2/coverage/runs/{run.id}/events", headers=auth_headers("marc@example.com"), status=404)
    malformed = testapp.get("/api/v2/coverage/runs/douze/events", headers=headers, status=400)

    assert theirs.json["code"] == "not_found"
    assert malformed.json["code"] == "invalid_input"
