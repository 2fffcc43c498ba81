import pytest

from novel_pyramid.ratelimit.limiter import NullRateLimiter
from novel_pyramid.ratelimit.storage import MemoryStorage, storage_from_url
from tests.unit.ratelimit.contract import RateLimitStorageContract


class TestMemoryStorage(RateLimitStorageContract):
    @pytest.fixture
    def storage(self):
        return MemoryStorage()

    @pytest.fixture
    def prefix(self):
        return "test"


def test_memory_storage_forgets_expired_windows(monkeypatch):
    monkeypatch.setattr("novel_pyramid.ratelimit.storage.MEMORY_PURGE_THRESHOLD", 2)
    now = [100.0]
    storage = MemoryStorage(clock=lambda: now[0])
    for key in ("a", "b", "c"):
        storage.increment(key, expire_at=150)
    now[0] = 200.0
    storage.increment("d", expire_at=300)
    assert set(storage._counters) == {"d"}


def test_storage_from_url():
    assert isinstance(storage_from_url(None), MemoryStorage)
    assert isinstance(storage_from_url("memory://"), MemoryStorage)


def test_null_limiter_lets_everything_through_without_headers():
    limiter = NullRateLimiter("default")
    for _ in range(1000):
        decision = limiter.hit("user:1")
    assert decision.allowed and not decision.counted
    assert decision.headers() == {}
    assert limiter.clear("user:1") is None
