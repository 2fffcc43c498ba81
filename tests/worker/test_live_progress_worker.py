"""Live progress from a real Celery worker, through Redis, to a Socket.IO client and an event stream.

The application is served for real (ASGI on a local port, as the realtime
process serves it) and listens on Redis; the job runs in a ``celery worker``
subprocess whose publisher writes to Redis with the write-only manager. The
Socket.IO client follows the job as the frontend does, and a v2 event stream
follows it beside it.
"""

import uuid

import pytest
import requests

from tests.fakes.pdfs import novel_paragraphs, text_pdf
from tests.realtime.conftest import EventStream, Follower, serve  # noqa: F401 (serve: a fixture)
from tests.worker.conftest import COMMON_SETTINGS, FAST_RECOVERY, worker_settings, worker_starter, write_ini

pytestmark = [pytest.mark.redis, pytest.mark.worker]

PARAGRAPHS = 12


@pytest.fixture
def channel():
    return f"novel_test.socketio.{uuid.uuid4().hex[:8]}"


@pytest.fixture
def live_settings(redis_url, broker, gemini, channel):
    """What the served application and its worker share: Redis for tasks and for progress."""
    return {
        **COMMON_SETTINGS,
        **FAST_RECOVERY,
        "redis_url": redis_url,
        "realtime.channel": channel,
        "realtime.throttle_ms": "0",
        "celery.broker_url": broker,
        "gemini.base_url": gemini.base_url,
    }


@pytest.fixture
def start_live_worker(tmp_path, database_url, live_settings):
    ini = write_ini(tmp_path / "worker.ini", worker_settings(database_url, **live_settings))
    yield from worker_starter(ini, tmp_path)


def test_a_workers_progress_reaches_a_socketio_client_and_an_event_stream(
    serve,  # noqa: F811
    live_settings,
    start_live_worker,
    gemini,
):
    served = serve(**live_settings, **{"celery.task_always_eager": "false", "sse.heartbeat_seconds": "30"})
    gemini.latency = 0.2  # a few tenths of a second per chunk: progress has steps to show
    _, token = served.sign_in()
    submitted = requests.post(
        f"{served.url}/api/v2/jobs",
        files={"pdf_file": ("roman.pdf", text_pdf(novel_paragraphs(PARAGRAPHS)), "application/pdf")},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]

    client = Follower(served.url).connect()
    stream = EventStream(f"{served.url}/api/v2/jobs/{job_id}/events", token)
    try:
        client.join(job_id, token)
        client.expect("joined_room")
        states = [client.expect("job_progress")]
        assert states[0]["status"] == "pending"  # queued: no worker yet
        streamed = [stream.event()[2]]

        start_live_worker()

        while states[-1]["status"] not in ("completed", "failed", "cancelled"):
            states.append(client.expect("job_progress", timeout=60))
        while streamed[-1]["status"] not in ("completed", "failed", "cancelled"):
            streamed.append(stream.event(timeout=60)[2])
        stream.expect_closed()
    finally:
        stream.close()
        client.close()

    percents = [state["progress_percent"] or 0 for state in states]
    assert percents == sorted(percents), percents
    assert (states[-1]["status"], percents[-1]) == ("completed", 100)
    # Progress between the start and the end, not only the two of them.
    assert any(0 < percent < 100 for percent in percents), percents
    assert states[-1]["processed_chunks"] == states[-1]["total_chunks"] > 1
    chunks_done = [state["progress"]["chunks_done"] for state in streamed]
    assert chunks_done == sorted(chunks_done)
    assert streamed[-1]["status"] == "completed"
    assert streamed[-1] == served.get(f"/api/v2/jobs/{job_id}", token)
