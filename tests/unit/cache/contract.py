"""What every cache backend must do (kinto's backend contract pattern).

A backend's test class subclasses ``CacheContract`` and provides a ``cache``
fixture; ``coalesces`` says whether it promises single-flight misses (the null
backend caches nothing, so it cannot).
"""

import threading

import pytest


class Counter:
    def __init__(self, value):
        self.value = value
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            self.calls += 1
        return self.value


class CacheContract:
    caches = True
    coalesces = True

    def test_a_miss_calls_the_creator_and_returns_its_value(self, cache):
        assert cache.get_or_create("k", Counter({"a": 1})) == {"a": 1}

    def test_a_hit_does_not_call_the_creator_again(self, cache):
        creator = Counter({"a": 1})
        cache.get_or_create("k", creator)
        assert cache.get_or_create("k", creator) == {"a": 1}
        assert creator.calls == (1 if self.caches else 2)

    def test_values_come_back_as_plain_json_data(self, cache):
        value = {"ids": ["s1", "s2"], "active": True, "limit": 8, "when": None}
        cache.get_or_create("k", Counter(value))
        assert cache.get_or_create("k", Counter(value if not self.caches else "unused")) == value

    def test_values_that_are_not_plain_data_are_refused(self, cache):
        if not self.caches:
            pytest.skip("a backend that stores nothing serialises nothing")
        with pytest.raises(TypeError):
            cache.get_or_create("k", Counter(object()))

    def test_invalidate_forgets_the_key(self, cache):
        cache.get_or_create("k", Counter("old"))
        cache.invalidate("k")
        assert cache.get_or_create("k", Counter("new")) == "new"

    def test_invalidate_leaves_other_keys_alone(self, cache):
        cache.get_or_create("k1", Counter("one"))
        cache.get_or_create("k2", Counter("two"))
        cache.invalidate("k1", "never-set")
        assert cache.get_or_create("k2", Counter("other")) == ("two" if self.caches else "other")

    def test_a_failing_creator_propagates_and_caches_nothing(self, cache):
        def broken():
            raise LookupError("database says no")

        with pytest.raises(LookupError):
            cache.get_or_create("k", broken)
        assert cache.get_or_create("k", Counter("later")) == "later"

    def test_fifty_concurrent_misses_call_the_creator_once(self, cache):
        if not self.coalesces:
            pytest.skip("this backend does not coalesce misses")
        start = threading.Barrier(50)
        slow_value = threading.Event()

        def creator():
            # Hold the lock long enough for every thread to arrive and wait on it.
            slow_value.wait(0.3)
            return "value"

        counted = Counter(None)

        def counted_creator():
            counted()
            return creator()

        results = []

        def worker():
            start.wait()
            results.append(cache.get_or_create("cold", counted_creator))

        threads = [threading.Thread(target=worker) for _ in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert results == ["value"] * 50
        assert counted.calls == 1

    def test_get_many_returns_the_cached_keys_and_leaves_out_the_others(self, cache):
        cache.get_or_create("k1", Counter({"a": 1}))
        cache.get_or_create("k2", Counter([2]))
        expected = {"k1": {"a": 1}, "k2": [2]} if self.caches else {}
        assert cache.get_many(["k1", "never-set", "k2"]) == expected
        assert cache.get_many([]) == {}

    def test_get_many_does_not_see_invalidated_keys(self, cache):
        cache.get_or_create("k", Counter("old"))
        cache.invalidate("k")
        assert cache.get_many(["k"]) == {}

    def test_set_many_stores_every_value(self, cache):
        cache.set_many({"k1": {"a": 1}, "k2": [2]})
        cache.set_many({})
        expected = {"k1": {"a": 1}, "k2": [2]} if self.caches else {}
        assert cache.get_many(["k1", "k2"]) == expected
        assert cache.get_or_create("k1", Counter("made")) == ({"a": 1} if self.caches else "made")

    def test_set_many_replaces_and_invalidate_forgets(self, cache):
        cache.get_or_create("k", Counter("old"))
        cache.set_many({"k": "new"})
        assert cache.get_many(["k"]) == ({"k": "new"} if self.caches else {})
        cache.invalidate("k")
        assert cache.get_many(["k"]) == {}

    def test_set_many_refuses_values_that_are_not_plain_data(self, cache):
        if not self.caches:
            pytest.skip("a backend that stores nothing serialises nothing")
        with pytest.raises(TypeError):
            cache.set_many({"k": object()})

    def test_ping_succeeds_when_the_backend_is_up(self, cache):
        cache.ping()
