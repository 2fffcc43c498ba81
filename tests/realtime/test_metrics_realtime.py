"""The realtime process's metrics: clients connected now, and the events emitted to rooms."""

from novel_pyramid.metrics.exposition import render
from novel_pyramid.realtime.interfaces import IProgressPublisher
from novel_pyramid.tasks import blank_request
from tests.realtime.conftest import advance, running_job, wait_until
from tests.scrapes import value


def scrape(served):
    return render(served.registry)[0].decode()


def clients(served):
    return value(scrape(served), "novel_pyramid_realtime_connected_clients")


def test_connected_clients_and_emits_are_counted(served, follower, dbsession):
    before = scrape(served)
    connected = value(before, "novel_pyramid_realtime_connected_clients")
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id, chunks_total=2)
    client = follower()
    client.join(job.id, token)
    client.expect("joined_room")
    client.expect("job_progress")

    assert clients(served) == connected + 1
    advance(dbsession, job, blank_request(served.registry).find_service(IProgressPublisher), chunks_done=1)
    client.expect("job_progress")
    emitted = value(scrape(served), "novel_pyramid_realtime_emits_total", event="job_progress")
    assert emitted - value(before, "novel_pyramid_realtime_emits_total", event="job_progress") >= 1

    client.close()
    wait_until(lambda: clients(served) == connected)
