"""A scrape: the text exposition on its own port, ``/metrics`` only, and the values read at scrape time."""

import urllib.error
import urllib.request

import pytest
from pyramid.registry import Registry
from zope.interface import implementer

from novel_pyramid.metrics import record
from novel_pyramid.metrics.exposition import MetricsServer, render
from novel_pyramid.metrics.interfaces import IQueueDepth
from tests.scrapes import value


@implementer(IQueueDepth)
class FixedDepth:
    def __init__(self, depths):
        self._depths = depths

    def depths(self):
        return self._depths


@pytest.fixture
def pyramid_registry():
    return Registry("metrics-test")


def test_a_scrape_reads_the_queue_depth_at_scrape_time(pyramid_registry):
    pyramid_registry.registerUtility(FixedDepth({"celery": 7}), IQueueDepth)

    body, content_type = render(pyramid_registry)

    assert content_type.startswith("text/plain")
    assert value(body.decode(), "novel_pyramid_queue_depth_messages", queue="celery") == 7


def test_a_broker_that_cannot_be_read_leaves_the_depth_out(pyramid_registry):
    pyramid_registry.registerUtility(FixedDepth({}), IQueueDepth)

    body, _ = render(pyramid_registry)

    assert b"novel_pyramid_queue_depth_messages{" not in body


@pytest.fixture
def server(pyramid_registry):
    server = MetricsServer(pyramid_registry, "127.0.0.1", 0).start()
    yield server
    server.stop()


def get(server, path, method="GET"):
    request = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}", method=method)
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.headers["Content-Type"], response.read().decode()


def test_the_metrics_port_answers_metrics(server):
    record.count_rate_limit_refusal("export")

    status, content_type, body = get(server, "/metrics")

    assert status == 200 and content_type.startswith("text/plain; version=")
    assert value(body, "novel_pyramid_ratelimit_refusals_total", bucket="export") >= 1


@pytest.mark.parametrize(
    ("path", "method", "status"), [("/", "GET", 404), ("/api/v1/health", "GET", 404), ("/metrics", "POST", 405)]
)
def test_the_metrics_port_answers_nothing_else(server, path, method, status):
    with pytest.raises(urllib.error.HTTPError) as refused:
        get(server, path, method)
    assert refused.value.code == status
