"""The export status store (memory twin) and the background run's redelivery guard."""

from pyramid import testing

from novel_pyramid.exporters.status import IExportStatusStore, MemoryExportStatusStore, status_store_from_settings
from novel_pyramid.exporters.tasks import run_export


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
        config.registry.registerUtility(store, IExportStatusStore)
        # No session factory in this registry: any attempt to export would fail loudly.
        run_export(config.registry, "e1", 1, "job", "google_sheets", {})

    assert store.get("e1")["url"] == "https://x"
