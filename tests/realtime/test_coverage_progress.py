"""Following a coverage run over Socket.IO (``useCoverageWebSocket.ts``), against the served application."""

from novel_pyramid.realtime.interfaces import IProgressPublisher
from novel_pyramid.tasks import blank_request
from tests.realtime.conftest import running_coverage_run


def advance_run(dbsession, run, served, **fields):
    for name, value in fields.items():
        setattr(run, name, value)
    dbsession.commit()
    blank_request(served.registry).find_service(IProgressPublisher).coverage_run_changed(run.id)


def test_a_joined_client_gets_the_run_at_once_then_each_change_to_its_end(served, follower, dbsession):
    user_id, token = served.sign_in()
    run = running_coverage_run(dbsession, user_id)
    client = follower()
    client.join_run(run.id, token)

    assert client.expect("joined_room") == {"run_id": run.id}
    first = client.expect("coverage_progress")
    assert (first["id"], first["status"], first["progress_percent"]) == (run.id, "processing", 10)

    advance_run(dbsession, run, served, progress_percent=60, step="writing")
    advance_run(dbsession, run, served, progress_percent=100, status="completed", step="finished")

    assert client.expect("coverage_progress")["progress_percent"] == 60
    final = client.expect("coverage_progress")
    assert final["status"] == "completed"
    # The same CoverageRun the REST API answers.
    assert final == served.get(f"/api/v1/coverage/runs/{run.id}", token)["coverage_run"]


def test_another_users_run_is_refused_as_not_found(served, follower, dbsession):
    owner_id, _ = served.sign_in()
    _, other_token = served.sign_in("marc@example.com")
    run = running_coverage_run(dbsession, owner_id)
    client = follower()

    client.join_run(run.id, other_token)

    assert client.expect("error") == {"message": f"Coverage run {run.id} was not found among your coverage runs."}
    advance_run(dbsession, run, served, progress_percent=50)
    client.quiet_for(0.5)


def test_a_bad_token_and_a_bad_payload_are_refused_in_words(served, follower, dbsession):
    user_id, token = served.sign_in()
    run = running_coverage_run(dbsession, user_id)
    client = follower()

    client.join_run(run.id, "not-a-token")
    assert client.expect("error") == {"message": "invalid_token"}

    client.join_run("douze", token)
    refused = client.expect("error")
    assert "run_id" in refused["details"]
    assert "douze" not in refused["message"] or "number" in refused["message"]

    client.client.emit("join_coverage_run", ["not", "an", "object"])
    assert client.expect("error") == {"message": "join_coverage_run needs an object with run_id, token."}


def test_leaving_a_run_stops_its_events(served, follower, dbsession):
    user_id, token = served.sign_in()
    run = running_coverage_run(dbsession, user_id)
    client = follower()
    client.join_run(run.id, token)
    client.expect("joined_room")
    client.expect("coverage_progress")

    client.leave_run(run.id)

    assert client.expect("left_room") == {"run_id": run.id}
    advance_run(dbsession, run, served, progress_percent=70)
    client.quiet_for(0.5)


def test_a_job_and_a_run_of_the_same_number_are_different_rooms(served, follower, dbsession):
    user_id, token = served.sign_in()
    run = running_coverage_run(dbsession, user_id)
    client = follower()
    client.join_run(run.id, token)
    client.expect("joined_room")
    client.expect("coverage_progress")

    # A job event for an id equal to the run's reaches nobody following the run.
    blank_request(served.registry).find_service(IProgressPublisher).job_changed(str(run.id))

    client.quiet_for(0.5)
