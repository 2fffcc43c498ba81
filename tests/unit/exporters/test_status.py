"""The export status store (memory twin) and the background run's redelivery guard."""

import pytest
import redis
from pyramid import testing

from novel_pyramid.errors import ServiceUnavailable
from novel_pyramid.exporters.services import ExportService
from novel_pyramid.exporters.status import (
    MemoryExportStatusStore,
    RedisExportStatusStore,
    status_store_from_settings,
)
from novel_pyramid.redisconn import CircuitBreaker


class Clock:
    now = 0.0

    def __call__(self):
        return self.now


def test_records_merge_and_expire():
    clock = Clock()
    store = MemoryExportStatusStore(ttl=10, clock=clock)

    store.update("e1", status="queued", user_id=1)
    store.update("e1", status="completed", url="https://x")

    record = store.get("e1")
    assert (record["status"], record["user_id"], record["url"]) == ("completed", 1, "https://x")
    assert record["created_at"] <= record["updated_at"]
    clock.now = 11
    assert store.get("e1") is None


def test_memory_without_redis():
    assert isinstance(status_store_from_settings({"redis_url": None}), MemoryExportStatusStore)


def test_a_redelivered_task_of_a_settled_export_does_nothing():
    store = MemoryExportStatusStore()
    store.update("e1", status="completed", url="https://x")
    with testing.testConfig() as config:
        # No database, jobs, task sender, history or accounts: any attempt to export would fail loudly.
        config.registry["db.session_factory"] = None
        service = ExportService(
            None, config.registry, jobs=None, statuses=store, tasks=None, history=None, accounts=None
        )
        assert service.export_in_background("e1", 1, "job", "google_sheets", {}) is None

    assert store.get("e1")["url"] == "https://x"


class DictRedis:
    """Just enough of redis.Redis for the store: get, and set with an expiry."""

    def __init__(self, down=False):
        self.values, self.expiries, self.down = {}, {}, down

    def get(self, key):
        if self.down:
            raise redis.ConnectionError("refused")
        return self.values.get(key)

    def set(self, key, value, ex=None):
        self.values[key], self.expiries[key] = value.encode(), ex


def test_redis_store_keeps_json_with_a_ttl():
    client = DictRedis()
    store = RedisExportStatusStore(client, ttl=60)

    store.update("e1", status="queued", user_id=3)
    store.update("e1", status="running")

    assert store.get("e1")["status"] == "running"
    assert store.get("e1")["user_id"] == 3
    assert client.expiries["novel_pyramid:export:e1"] == 60
    assert store.get("unknown") is None


def test_redis_down_is_a_503():
    store = RedisExportStatusStore(DictRedis(down=True))

    with pytest.raises(ServiceUnavailable):
        store.get("e1")


def test_an_unreachable_redis_opens_the_shared_breaker_and_says_nothing_of_the_cause():
    breaker = CircuitBreaker("Redis at test", failure_threshold=2, reset_seconds=60)
    client = DictRedis(down=True)
    store = RedisExportStatusStore(client, breaker=breaker)

    for _ in range(2):
        with pytest.raises(ServiceUnavailable) as refused:
            store.get("e1")
        assert "refused" not in str(refused.value)
    client.down = False

    # The breaker is open: the store answers 503 without calling Redis.
    with pytest.raises(ServiceUnavailable):
        store.get("e1")
    assert breaker.state == "open"
