"""Readiness checks: each subsystem registers a probe of the backend it needs.

``config.add_health_check(name, probe)`` adds one; a probe takes the registry and
raises when its backend is unusable. ``/api/v1/health`` runs them all.
"""

import logging
import time

from sqlalchemy import text

log = logging.getLogger(__name__)


def add_health_check(config, name, probe):
    config.registry.setdefault("health.checks", {})[name] = probe


def run_health_checks(registry):
    """Return ``(healthy, {name: {"status", "latency_ms", "error"?}})``."""
    results = {}
    for name, probe in registry.get("health.checks", {}).items():
        started = time.perf_counter()
        try:
            probe(registry)
        except Exception as exc:  # A probe's failure is its answer, whatever it is.
            log.warning("Health check %s failed: %s", name, exc)
            results[name] = {"status": "down", "error": type(exc).__name__}
        else:
            results[name] = {"status": "up"}
        results[name]["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    healthy = all(result["status"] == "up" for result in results.values())
    return healthy, results


def database_probe(registry):
    with registry["db.engine"].connect() as connection:
        connection.execute(text("SELECT 1"))


def includeme(config):
    config.add_directive("add_health_check", add_health_check)
    config.add_health_check("database", database_probe)
