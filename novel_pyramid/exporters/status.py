"""Where the status of a background export lives while it runs: Redis, or this process's memory.

An export's lasting result is the spreadsheet URL on the job's history entry;
its status (queued, running, completed, failed and why) only matters for the
minutes a client polls it, so it is kept with a time-to-live rather than in a
table. Redis is shared by web processes and workers; the memory twin serves
development and tests, where tasks run in the web process (eager mode).
"""

import contextlib
import json
import logging
import threading
import time

import redis
from zope.interface import Interface, implementer

from novel_pyramid.db.types import isoformat, utcnow
from novel_pyramid.errors import ServiceUnavailable
from novel_pyramid.redisconn import NEVER_OPEN, OUTAGES, CircuitOpen, RedisConnections

log = logging.getLogger(__name__)

STATUS_TTL_SECONDS = 24 * 3600
KEY_PREFIX = "novel_pyramid:export:"

QUEUED, RUNNING, COMPLETED, FAILED = "queued", "running", "completed", "failed"


class IExportStatusStore(Interface):
    """Keeps one JSON-able dict per export id, for a day."""

    def get(export_id):
        """The record of ``export_id``, or None when unknown or expired."""

    def update(export_id, **fields):
        """Merge ``fields`` into the record (creating it) and stamp ``updated_at``."""


def _merged(record, fields):
    merged = {**(record or {}), **fields, "updated_at": isoformat(utcnow())}
    merged.setdefault("created_at", merged["updated_at"])
    return merged


@implementer(IExportStatusStore)
class MemoryExportStatusStore:
    def __init__(self, ttl=STATUS_TTL_SECONDS, clock=time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._records = {}
        self._lock = threading.Lock()

    def get(self, export_id):
        with self._lock:
            record, expires_at = self._records.get(export_id, (None, 0))
            return dict(record) if record is not None and expires_at > self.clock() else None

    def update(self, export_id, **fields):
        with self._lock:
            record, _ = self._records.get(export_id, (None, 0))
            self._records[export_id] = (_merged(record, fields), self.clock() + self.ttl)


@implementer(IExportStatusStore)
class RedisExportStatusStore:
    """Records in Redis, through the process's short time-outs and the server's shared breaker."""

    def __init__(self, client, ttl=STATUS_TTL_SECONDS, breaker=NEVER_OPEN):
        self.client = client
        self.ttl = ttl
        self.breaker = breaker

    def get(self, export_id):
        with self._reaching_redis():
            raw = self.client.get(KEY_PREFIX + export_id)
        return json.loads(raw) if raw else None

    def update(self, export_id, **fields):
        # Only the export's own task and the request that queued it write a
        # record, one after the other, so read-merge-write needs no lock.
        merged = _merged(self.get(export_id), fields)
        with self._reaching_redis():
            self.client.set(KEY_PREFIX + export_id, json.dumps(merged), ex=self.ttl)

    @contextlib.contextmanager
    def _reaching_redis(self):
        try:
            with self.breaker.guard(OUTAGES):
                yield
        except (CircuitOpen, redis.RedisError, *OUTAGES) as exc:
            # The reason stays in the log; the client learns only that it may retry.
            log.warning("Export status store unreachable (%s: %s)", type(exc).__name__, exc)
            raise ServiceUnavailable(
                "The export status is unavailable for a moment; try again shortly", headers={"Retry-After": 10}
            ) from None


def status_store_from_settings(settings, connections=None):
    """Redis when REDIS_URL is set; otherwise memory, which only works when tasks run in-process."""
    url = settings.get("redis_url")
    if not url:
        return MemoryExportStatusStore()
    connections = connections or RedisConnections()
    return RedisExportStatusStore(connections.client(url), breaker=connections.breaker(url))
