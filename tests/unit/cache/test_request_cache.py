"""RequestCache: entries prefetched together are served once, then the shared cache answers again."""

import pytest

from novel_pyramid.cache import cache_from_settings
from novel_pyramid.cache.request import RequestCache
from novel_pyramid.config import load_settings


@pytest.fixture
def shared():
    return cache_from_settings(load_settings({"cache.backend": "memory"}, {}))


def test_a_prefetched_value_is_served_without_the_creator(shared):
    shared.get_or_create("k", lambda: "cached")
    request_cache = RequestCache(shared)
    request_cache.prefetch(["k", "missing"])
    assert request_cache.get_or_create("k", lambda: pytest.fail("the creator ran")) == "cached"


def test_a_prefetched_miss_reads_through_the_shared_cache(shared):
    request_cache = RequestCache(shared)
    request_cache.prefetch(["k"])
    assert request_cache.get_or_create("k", lambda: "made") == "made"
    assert shared.get_many(["k"]) == {"k": "made"}


def test_a_prefetched_value_is_served_once_then_the_shared_cache_answers(shared):
    shared.get_or_create("k", lambda: "old")
    request_cache = RequestCache(shared)
    request_cache.prefetch(["k"])
    assert request_cache.get_or_create("k", lambda: "unused") == "old"
    # Another process changed the row and invalidated the entry meanwhile.
    shared.invalidate("k")
    assert request_cache.get_or_create("k", lambda: "new") == "new"


def test_invalidating_through_the_request_cache_forgets_the_prefetched_copy(shared):
    shared.get_or_create("k", lambda: "old")
    request_cache = RequestCache(shared)
    request_cache.prefetch(["k"])
    request_cache.invalidate("k")
    assert request_cache.get_or_create("k", lambda: "new") == "new"


def test_get_many_serves_prefetched_values_and_asks_for_the_rest(shared):
    shared.get_or_create("a", lambda: 1)
    request_cache = RequestCache(shared)
    request_cache.prefetch(["a"])
    shared.get_or_create("b", lambda: 2)
    assert request_cache.get_many(["a", "b", "c"]) == {"a": 1, "b": 2}


def test_set_many_replaces_the_prefetched_copy(shared):
    shared.get_or_create("k", lambda: "old")
    request_cache = RequestCache(shared)
    request_cache.prefetch(["k"])
    request_cache.set_many({"k": "new"})
    assert request_cache.get_or_create("k", lambda: "unused") == "new"
    assert shared.get_many(["k"]) == {"k": "new"}
