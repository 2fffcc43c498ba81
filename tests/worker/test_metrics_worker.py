"""A real Celery worker's metrics: served by its main process on metrics.port, its prefork children added up."""

import urllib.request

import pytest

from novel_pyramid.metrics.exposition import render
from tests.fakes.pdfs import novel_paragraphs, text_pdf
from tests.fakes.servers import free_port, wait_for_port
from tests.scrapes import total, value
from tests.worker.conftest import COMMON_SETTINGS, FAST_RECOVERY, wait_for, worker_settings, worker_starter, write_ini

pytestmark = [pytest.mark.redis, pytest.mark.worker]


@pytest.fixture
def metrics_port():
    return free_port()


@pytest.fixture
def start_metrics_worker(tmp_path, database_url, broker, gemini, metrics_port):
    settings = worker_settings(
        database_url,
        **{"celery.broker_url": broker, "gemini.base_url": gemini.base_url},
        **COMMON_SETTINGS,
        **FAST_RECOVERY,
        **{"celery.worker_pool": "prefork", "metrics.host": "127.0.0.1", "metrics.port": metrics_port},
    )
    yield from worker_starter(write_ini(tmp_path / "metrics-worker.ini", settings), tmp_path)


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return response.read().decode()


def test_the_worker_serves_what_its_pool_children_recorded(web, headers, start_metrics_worker, metrics_port, gemini):
    start_metrics_worker(concurrency=2)
    wait_for_port(metrics_port, timeout=10)
    files = [("pdf_file", "roman.pdf", text_pdf(novel_paragraphs(24)))]
    job = web.post("/api/v2/jobs", upload_files=files, headers=headers, status=202).json

    done = wait_for(
        lambda: (
            (current := web.get(f"/api/v2/jobs/{job['id']}", headers=headers).json)["status"] == "completed" and current
        ),
        45,
        interval=0.2,
        message="the job to complete",
    )

    chunks = done["progress"]["chunks_total"]
    body = wait_for(
        lambda: (
            (text := scrape(metrics_port))
            and total(text, "novel_pyramid_tasks_total", state="SUCCESS") >= chunks + 1
            and text
        ),
        10,
        message="the tasks to be counted",
    )
    assert value(body, "novel_pyramid_jobs_transitions_total", state="processing") == 1
    assert value(body, "novel_pyramid_jobs_transitions_total", state="completed") == 1
    assert total(body, "novel_pyramid_chunk_duration_seconds_count", normalizer="gemini", outcome="done") == chunks
    assert total(body, "novel_pyramid_model_calls_total", outcome="ok") == len(gemini.requests)
    assert total(body, "novel_pyramid_model_tokens_total", direction="input") > 0
    # The queue is read from the broker at scrape time, by the worker and by the web process alike.
    assert value(body, "novel_pyramid_queue_depth_messages", queue="celery") == 0
    web_scrape = render(web.app.registry)[0].decode()
    assert value(web_scrape, "novel_pyramid_queue_depth_messages", queue="celery") == 0
    assert "novel_pyramid_queue_depth_messages{" in web_scrape
