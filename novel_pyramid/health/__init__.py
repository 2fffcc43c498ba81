"""Readiness checks: each subsystem registers a probe of the backend it needs; liveness needs none.

``config.add_health_check(name, probe, required=True)`` adds one; a probe takes
the registry and raises when its backend is unusable. ``/api/v1/health`` runs
them all: a required backend down makes the service unready (503); an optional
one down (Redis: the cache and rate limits fall back, the broker: only uploads
wait) leaves it serving, reported as ``degraded``, so an orchestrator does not
take every replica out of service for a partial outage.

The Redis and broker probes use the process's short time-outs and breakers
(``novel_pyramid.redisconn``): while a breaker is open the backend is reported
down without being asked, so a hung Redis never holds a readiness call for
long. Liveness (``/health/live``) probes nothing: a process whose backends are
down is still alive, and restarting it would not bring them back.
"""

import logging
import threading
import time

from sqlalchemy import text

from novel_pyramid.redisconn import OUTAGES, redis_connections
from novel_pyramid.tasks import broker_breaker

log = logging.getLogger(__name__)


def add_health_check(config, name, probe, required=True):
    config.registry.setdefault("health.checks", {})[name] = (probe, required)


def run_health_checks(registry, now=time.monotonic):
    """Return ``(status, {name: {"status", "required", "latency_ms", "error"?}})``.

    ``status`` is ``healthy``, ``degraded`` (an optional backend is down) or
    ``unhealthy`` (a required one is). A round younger than ``health.cache_seconds``
    is reused, so a load balancer calling many times a second does not open a
    broker connection per call.
    """
    fresh_for = registry.settings["health.cache_seconds"]
    with registry["health.lock"]:
        checked_at, answer = registry.get("health.last", (None, None))
        if checked_at is None or now() - checked_at >= fresh_for:
            answer = _probe_all(registry)
            registry["health.last"] = (now(), answer)
    return answer


def _probe_all(registry):
    results = {}
    for name, (probe, required) in registry.get("health.checks", {}).items():
        started = time.perf_counter()
        try:
            probe(registry)
        except Exception as exc:  # A probe's failure is its answer, whatever it is.
            log.warning("Health check %s failed: %s", name, exc)
            results[name] = {"status": "down", "error": type(exc).__name__}
        else:
            results[name] = {"status": "up"}
        results[name]["required"] = required
        results[name]["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    down = [result for result in results.values() if result["status"] != "up"]
    if any(result["required"] for result in down):
        return "unhealthy", results
    return ("degraded" if down else "healthy"), results


def database_probe(registry):
    with registry["db.engine"].connect() as connection:
        connection.execute(text("SELECT 1"))


def redis_probe(registry):
    connections = redis_connections(registry)
    url = registry.settings["redis_url"]
    with connections.breaker(url).guard(OUTAGES):
        connections.client(url).ping()


def broker_probe(registry):
    options = redis_connections(registry).options
    with broker_breaker(registry).guard(OUTAGES):
        with registry["celery.app"].connection_for_write() as connection:
            connection.ensure_connection(max_retries=0, timeout=options.connect_timeout + options.read_timeout)


def includeme(config):
    config.include("novel_pyramid.redisconn")
    settings = config.get_settings()
    # One probing round at a time; the others wait for its answer (run_health_checks).
    config.registry["health.lock"] = threading.Lock()
    config.add_directive("add_health_check", add_health_check)
    config.add_health_check("database", database_probe)
    if settings["redis_url"]:
        config.add_health_check("redis", redis_probe, required=False)
    if not settings["celery.task_always_eager"] and settings["celery.broker_url"]:
        config.add_health_check("broker", broker_probe, required=False)
