"""Progress from another process reaches the client through Redis (python-socketio's Redis manager).

The served app listens on Redis (``redis_url``); the publisher runs in a
process of its own with only the write-only manager, as a Celery worker does.
Uses REDIS_URL when it is set (CI's PostgreSQL leg), else a redis-server of its own.
"""

import redis

from novel_pyramid.jobs.events import job_room
from novel_pyramid.realtime.interfaces import IProgressPublisher
from novel_pyramid.realtime.progress import PROGRESS_EVENT, RedisEmitter
from novel_pyramid.tasks import blank_request
from tests.realtime.conftest import publish_in_another_process, running_job


def test_a_publisher_in_another_process_reaches_a_client_through_redis(
    serve, follower, dbsession, database_url, redis_url, channel
):
    served = serve(**{"redis_url": redis_url, "realtime.channel": channel})
    publisher = blank_request(served.registry).find_service(IProgressPublisher)
    assert isinstance(publisher.emitter, RedisEmitter)
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id, chunks_total=2)
    client = follower(served.url)
    client.join(job.id, token)
    client.expect("joined_room")
    assert client.expect("job_progress")["processed_chunks"] == 0

    job.chunks_done = 1
    dbsession.commit()
    publish_in_another_process(database_url, redis_url, channel, job.id)
    assert client.expect("job_progress")["processed_chunks"] == 1

    job.chunks_done, job.status, job.step = 2, "completed", "finished"
    dbsession.commit()
    publish_in_another_process(database_url, redis_url, channel, job.id)
    final = client.expect("job_progress")
    assert (final["status"], final["progress_percent"]) == ("completed", 100)


def test_the_served_apps_own_publisher_goes_through_redis_too(serve, follower, dbsession, redis_url, channel):
    served = serve(**{"redis_url": redis_url, "realtime.channel": channel})
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id)
    client = follower(served.url)
    client.join(job.id, token)
    client.expect("joined_room")
    client.expect("job_progress")
    job.chunks_done = 3
    dbsession.commit()
    blank_request(served.registry).find_service(IProgressPublisher).job_changed(job.id)
    assert client.expect("job_progress")["processed_chunks"] == 3


def test_a_channel_not_listened_to_reaches_no_one(serve, follower, dbsession, database_url, redis_url, channel):
    served = serve(**{"redis_url": redis_url, "realtime.channel": channel})
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id)
    client = follower(served.url)
    client.join(job.id, token)
    client.expect("joined_room")
    client.expect("job_progress")
    publish_in_another_process(database_url, redis_url, channel + ".other", job.id)
    client.quiet_for(0.5)


def test_through_redis_a_stale_state_after_the_end_is_dropped(serve, follower, dbsession, redis_url, channel):
    served = serve(**{"redis_url": redis_url, "realtime.channel": channel})
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id)
    client = follower(served.url)
    client.join(job.id, token)
    client.expect("joined_room")
    stale = client.expect("job_progress")
    publisher = served.publisher()
    job.status, job.step = "failed", "finished"
    dbsession.commit()
    publisher.job_changed(job.id)
    assert client.expect("job_progress")["status"] == "failed"
    publisher.emitter.emit(PROGRESS_EVENT, stale, job_room(job.id))
    client.quiet_for(0.5)


def test_answers_to_a_joining_client_do_not_go_through_redis(serve, follower, dbsession, redis_url, channel):
    served = serve(**{"redis_url": redis_url, "realtime.channel": channel})
    listener = redis.Redis.from_url(redis_url).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(channel)
    user_id, token = served.sign_in()
    job = running_job(dbsession, user_id)
    client = follower(served.url)
    client.join(job.id, "forged")
    client.expect("error")
    client.join(job.id, token)
    client.expect("joined_room")
    client.expect("job_progress")
    client.leave(job.id)
    client.expect("left_room")
    assert listener.get_message(timeout=0.5) is None
    # A change of the job does (every realtime process may have followers of it).
    served.publisher().job_changed(job.id)
    assert listener.get_message(timeout=5)["channel"] == channel.encode()
    listener.close()
