"""A scrape: the text exposition of every metric, and the small HTTP server that answers ``/metrics`` on its own port.

In multiprocess mode a scrape adds up the files every process wrote (and drops
the live gauges of processes gone, ``multiprocess.reap_dead_processes``); else
it reads this process's metrics. Either way the values read at scrape time
(the queue depth, ``interfaces.IQueueDepth``) are read by the scraping process.
"""

import logging
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from novel_pyramid.metrics import multiprocess, registry
from novel_pyramid.metrics.interfaces import IQueueDepth

log = logging.getLogger(__name__)

METRICS_PATH = "/metrics"


class _ThisProcess:
    """This process's metrics (single-process mode), whichever set ``registry.current`` holds now."""

    def collect(self):
        return registry.current().registry.collect()


class _EveryProcess:
    """The metrics every process wrote to ``path``."""

    def __init__(self, path):
        self.path = path

    def collect(self):
        from prometheus_client.multiprocess import MultiProcessCollector

        multiprocess.reap_dead_processes(self.path)
        return MultiProcessCollector(None, self.path).collect()


class _ReadAtScrape:
    """The gauges whose value is read when scraped, from the services of ``pyramid_registry``."""

    def __init__(self, pyramid_registry):
        self.pyramid_registry = pyramid_registry

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        reader = self.pyramid_registry.queryUtility(IQueueDepth) if self.pyramid_registry is not None else None
        if reader is None:
            return
        try:
            depths = reader.depths()
        except Exception:
            # A reader's bug must not cost the scrape every other metric.
            log.exception("Metrics: the queue depth could not be read")
            return
        family = GaugeMetricFamily(
            registry.QUEUE_DEPTH, "Task messages waiting in the broker, by queue (read at scrape).", labels=["queue"]
        )
        for queue, depth in sorted(depths.items()):
            family.add_metric([queue], depth)
        yield family


def scrape_registry(pyramid_registry):
    """A registry that collects what one scrape answers."""
    from prometheus_client import CollectorRegistry

    scraped = CollectorRegistry()
    path = multiprocess.directory()
    scraped.register(_EveryProcess(path) if path else _ThisProcess())
    scraped.register(_ReadAtScrape(pyramid_registry))
    return scraped


def render(pyramid_registry):
    """``(body, content type)`` of a scrape."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return generate_latest(scrape_registry(pyramid_registry)), CONTENT_TYPE_LATEST


def metrics_wsgi_app(pyramid_registry):
    """A WSGI application answering ``GET /metrics`` and 404 to every other path."""

    def app(environ, start_response):
        if environ.get("PATH_INFO") != METRICS_PATH:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not Found\n"]
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Content-Type", "text/plain"), ("Allow", "GET, HEAD")])
            return [b"Method Not Allowed\n"]
        body, content_type = render(pyramid_registry)
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    return app


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass  # a scrape every few seconds is no news


class MetricsServer:
    """``/metrics`` served on ``host:port`` by a daemon thread of this process."""

    def __init__(self, pyramid_registry, host, port):
        self.httpd = make_server(host, port, metrics_wsgi_app(pyramid_registry), _Server, _QuietHandler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="metrics-server", daemon=True)

    @property
    def port(self):
        return self.httpd.server_address[1]

    def start(self):
        self.thread.start()
        log.info("Metrics served on %s:%d%s", self.httpd.server_address[0], self.port, METRICS_PATH)
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
