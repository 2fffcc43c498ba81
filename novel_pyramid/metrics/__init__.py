"""Prometheus metrics (docs/metrics.md): what the subsystems record, and who serves ``/metrics``.

- ``registry``: every metric, built on first use in each process.
- ``record``: the functions other subsystems call where a fact is known (they
  import this package, never ``prometheus_client``; it imports none of them).
- ``tweens``: requests by route name, method and status, and their latency.
- ``multiprocess``: granian's and Celery's worker processes writing to one directory.
- ``exposition`` and ``serving``: a scrape, and the server on ``metrics.port``
  run by the process that forks the workers (``novel_pyramid.server``, the Celery worker).
- ``views``: ``/metrics`` on the public port, only with ``metrics.on_public_port``.
"""

from pyramid.tweens import INGRESS

from novel_pyramid.metrics.interfaces import IQueueDepth  # noqa: F401
from novel_pyramid.metrics.record import instrument_pool

LOGGING_TWEEN = "novel_pyramid.logging.tweens.request_logging_tween_factory"


def includeme(config):
    settings = config.get_settings()
    # Under the access log's tween (or first of all without it): the time
    # includes the transaction's commit and the exception views.
    config.add_tween("novel_pyramid.metrics.tweens.request_metrics_tween_factory", under=(LOGGING_TWEEN, INGRESS))
    if "db.engine" in config.registry:
        instrument_pool(config.registry["db.engine"])
    if settings["metrics.on_public_port"]:
        config.add_route("metrics", "/metrics")
        # Exempt from rate limits, as the health probes are: a scraper calls every few seconds.
        config.add_view(
            "novel_pyramid.metrics.views.metrics_view",
            route_name="metrics",
            request_method=("GET", "HEAD"),
            rate_limit="exempt",
        )
