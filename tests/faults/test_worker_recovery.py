"""Lost work comes back within a minute: a worker killed mid-job, and a broker Redis that lost its data.

Real processes: ``celery worker`` subprocesses on PostgreSQL (in CI) and a
redis-server of the test's own, started without persistence (``--save ""
--appendonly no``), so a restart empties it. The visibility timeout is the
production default (an hour): neither recovery may wait for Redis to hand a
task on; leases, heartbeats and the sweeper of every worker (production
defaults too) must bring the work back. Every sentence carries a marker (its
book and number), so a sentence lost or written twice shows in the result.
The recovery times are printed (``pytest -rP`` shows them).
"""

import re
import time

import pytest
from sqlalchemy import func, select

from novel_pyramid.history.models import HistoryEntry
from novel_pyramid.jobs.models import ChunkStatus, Job, JobChunk
from tests.fakes.pdfs import LONG_SENTENCE, SHORT_SENTENCE, text_pdf
from tests.fakes.servers import redis_fixture
from tests.worker.conftest import COMMON_SETTINGS, wait_for, worker_settings, worker_starter, write_ini

pytestmark = [pytest.mark.redis, pytest.mark.worker, pytest.mark.slow]

JOBS = "/api/v2/jobs"
# What the issue asks: lost work completes within this many seconds.
RECOVERY_TARGET_SECONDS = 60
# What production runs with: Redis would hand a lost worker's task on only after an hour.
PRODUCTION_VISIBILITY_TIMEOUT = "3600"
MARKER = re.compile(r"livre(\d+)marqueur(\d+)")

broker_redis = redis_fixture("broker_redis")


def book(number, paragraphs):
    """A PDF whose every sentence carries ``livre<number>marqueur<n>``, n counting from 0."""
    sentences = [
        (LONG_SENTENCE if n % 2 == 0 else SHORT_SENTENCE).format(n=f"livre{number}marqueur{n:03d}")
        for n in range(paragraphs)
    ]
    return text_pdf(sentences)


def markers(sentences):
    return [(int(b), int(n)) for sentence in sentences for b, n in MARKER.findall(sentence)]


@pytest.fixture
def settings(broker_redis, gemini):
    return {
        **COMMON_SETTINGS,
        "celery.visibility_timeout": PRODUCTION_VISIBILITY_TIMEOUT,
        "celery.broker_url": broker_redis.url,
        "gemini.base_url": gemini.base_url,
    }


@pytest.fixture
def start_worker(tmp_path, database_url, settings):
    """``start_worker()``: a ready worker on the test's own Redis, with production timings; stopped afterwards."""
    ini = write_ini(tmp_path / "worker.ini", worker_settings(database_url, **settings))
    yield from worker_starter(ini, tmp_path)


@pytest.fixture
def headers(auth_headers):
    return auth_headers()


@pytest.fixture
def web(headers, make_app, settings):
    return make_app(**settings, **{"celery.task_always_eager": "false"})


def submit(web, headers, pdf):
    return web.post(JOBS, upload_files=[("pdf_file", "roman.pdf", pdf)], headers=headers, status=202).json["id"]


def chunk_statuses(dbsession, job_id):
    dbsession.expire_all()
    return dbsession.scalars(select(JobChunk.status).where(JobChunk.job_id == job_id)).all()


def wait_completed(web, headers, job_ids, timeout):
    def all_completed():
        return all(web.get(f"{JOBS}/{job_id}", headers=headers).json["status"] == "completed" for job_id in job_ids)

    wait_for(all_completed, timeout, interval=0.25, message=f"{len(job_ids)} job(s) to complete")


def check_every_sentence_once_in_order(web, headers, dbsession, job_id, number, paragraphs):
    page = web.get(f"{JOBS}/{job_id}/sentences?limit=1000", headers=headers).json
    sentences = [item["text"] for item in page["items"]]
    assert markers(sentences) == [(number, n) for n in range(paragraphs)]
    dbsession.expire_all()
    job = dbsession.get(Job, job_id)
    assert job.sentences_count == len(sentences)
    assert job.chunks_done == job.chunks_total == len(chunk_statuses(dbsession, job_id))
    assert set(chunk_statuses(dbsession, job_id)) == {ChunkStatus.DONE}
    assert dbsession.scalar(select(func.count()).where(HistoryEntry.job_id == job_id)) == 1


def report(what, seconds):
    print(f"\nRECOVERY {what}: {seconds:.1f} s (target {RECOVERY_TARGET_SECONDS} s)")


def test_a_killed_workers_job_is_completed_by_another_worker_within_a_minute(
    web, headers, start_worker, gemini, dbsession
):
    paragraphs = 40
    gemini.latency = 1.0  # every chunk takes a second: the job is mid-flight for a while
    first = start_worker()
    job_id = submit(web, headers, book(1, paragraphs))

    def mid_job():
        statuses = chunk_statuses(dbsession, job_id)
        return ChunkStatus.DONE in statuses and ChunkStatus.PROCESSING in statuses

    wait_for(mid_job, 60, interval=0.05, message="a chunk in flight after a first one is done")
    first.kill()
    killed_at = time.monotonic()
    start_worker()
    up_at = time.monotonic()

    wait_completed(web, headers, [job_id], RECOVERY_TARGET_SECONDS)

    done_at = time.monotonic()
    report("after SIGKILL, from the second worker ready to the job completed", done_at - up_at)
    report("after SIGKILL, from the kill to the job completed", done_at - killed_at)
    check_every_sentence_once_in_order(web, headers, dbsession, job_id, 1, paragraphs)
    # The killed worker's chunks were normalised again, the others once.
    assert len(gemini.requests) <= dbsession.get(Job, job_id).chunks_total + 2


def test_every_accepted_job_completes_within_a_minute_of_redis_coming_back_empty(
    web, headers, start_worker, gemini, broker_redis, dbsession
):
    paragraphs = 24
    gemini.latency = 1.0
    start_worker()
    # Three books, so some jobs wait in the queue, some are being extracted or normalised.
    job_ids = [submit(web, headers, book(number, paragraphs)) for number in (1, 2, 3)]
    wait_for(
        lambda: ChunkStatus.DONE in chunk_statuses(dbsession, job_ids[0]),
        60,
        interval=0.05,
        message="the first job under way",
    )

    broker_redis.client().set("written-before-the-restart", 1)
    broker_redis.stop()  # no persistence: every queued and unacknowledged message is gone
    time.sleep(2)
    broker_redis.start()
    back_at = time.monotonic()
    assert broker_redis.client().get("written-before-the-restart") is None

    wait_completed(web, headers, job_ids, RECOVERY_TARGET_SECONDS)

    report(
        "after a Redis restart without persistence, from Redis back to every job completed", time.monotonic() - back_at
    )
    for number, job_id in enumerate(job_ids, start=1):
        check_every_sentence_once_in_order(web, headers, dbsession, job_id, number, paragraphs)
