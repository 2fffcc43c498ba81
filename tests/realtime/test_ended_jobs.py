"""Once a job's final state has gone out, no state read before it follows it (``EndedJobs``)."""

from novel_pyramid.jobs.events import job_room
from novel_pyramid.realtime.progress import PROGRESS_EVENT, EndedJobs
from tests.realtime.conftest import advance, running_job


def state(status, updated_at, done=0):
    return {"status": status, "updated_at": updated_at, "processed_chunks": done}


def test_states_pass_until_the_job_ends_then_older_ones_are_dropped():
    ended = EndedJobs()
    assert ended.admit("job:1", state("processing", "2026-12-02T10:00:00Z", 1))
    assert ended.admit("job:1", state("completed", "2026-12-02T10:00:05Z", 4))
    # Read before the final commit, arriving after it (another worker's publish).
    assert not ended.admit("job:1", state("processing", "2026-12-02T10:00:05Z", 3))
    assert not ended.admit("job:1", state("processing", "2026-12-02T10:00:04Z", 3))
    # Other jobs are not concerned.
    assert ended.admit("job:2", state("processing", "2026-12-02T10:00:01Z", 3))


def test_a_retried_job_is_followed_again_and_an_older_end_is_dropped():
    ended = EndedJobs()
    assert ended.admit("job:1", state("failed", "2026-12-02T10:00:05Z"))
    assert not ended.admit("job:1", state("completed", "2026-12-02T10:00:01Z"))
    assert ended.admit("job:1", state("processing", "2026-12-02T10:02:00Z", 1))
    assert ended.admit("job:1", state("processing", "2026-12-02T10:01:00Z", 0))


def test_latest_is_the_end_delivered_since_a_state_was_read():
    ended = EndedJobs()
    final = state("completed", "2026-12-02T10:00:05Z", 4)
    ended.admit("job:1", final)
    assert ended.latest("job:1", state("processing", "2026-12-02T10:00:03Z", 2)) == final
    fresh = state("processing", "2026-12-02T10:00:03Z", 2)
    assert ended.latest("job:9", fresh) == fresh


def test_the_memory_is_bounded():
    ended = EndedJobs()
    for n in range(EndedJobs.MAX_ENTRIES + 1):
        ended.admit(f"job:{n}", state("completed", "2026-12-02T10:00:05Z"))
    assert len(ended._final) <= EndedJobs.MAX_ENTRIES


def test_a_stale_state_after_the_end_never_reaches_the_client(served, follower, dbsession):
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id, chunks_total=2)
    client = follower()
    client.join(job.id, token)
    client.expect("joined_room")
    stale = client.expect("job_progress")
    publisher = served.publisher()
    advance(dbsession, job, publisher, chunks_done=2, status="completed", step="finished")
    assert client.expect("job_progress")["status"] == "completed"

    # What a second worker would send had it read the job just before the end.
    publisher.emitter.emit(PROGRESS_EVENT, stale, job_room(job.id))
    client.quiet_for(0.5)
    # A client joining now gets the end too.
    late = follower()
    late.join(job.id, token)
    late.expect("joined_room")
    assert late.expect("job_progress")["status"] == "completed"
