"""The ``cache_prefetch`` view option: what it reads ahead, and when it stays out of the way."""

from types import SimpleNamespace

import pytest
from pyramid import testing
from pyramid.request import apply_request_extensions

from novel_pyramid.auth.prefetch import cache_prefetch_deriver
from novel_pyramid.cache import cache_from_settings, request_cache, settings_key
from novel_pyramid.cache.request import RequestCache
from novel_pyramid.config import load_settings


class ClaimingPolicy:
    """A security policy whose access tokens name user 7 (``None``: no token)."""

    def __init__(self, user_id=7):
        self.user_id = user_id

    def claimed_user_id(self, request):
        return self.user_id

    def identity(self, request):
        return None


class OtherPolicy:
    """A plugin's policy, which knows nothing of claimed users."""

    def identity(self, request):
        return None


class RecordingCache:
    def __init__(self, cache):
        self.cache = cache
        self.reads = []

    def get_many(self, keys):
        self.reads.append(list(keys))
        return self.cache.get_many(keys)

    def __getattr__(self, name):
        return getattr(self.cache, name)


@pytest.fixture
def shared_cache():
    cache = RecordingCache(cache_from_settings(load_settings({"cache.backend": "memory"}, {})))
    cache.get_or_create(settings_key(7), lambda: {"sentence_length_limit": 9})
    return cache


def derive(policy, shared_cache):
    config = testing.setUp()
    config.set_security_policy(policy)
    config.add_request_method(lambda request: RequestCache(shared_cache), "app_cache", reify=True)
    config.commit()
    info = SimpleNamespace(options={"cache_prefetch": (settings_key,)}, exception_only=False, registry=config.registry)

    def view(context, request):
        return request_cache(request).get_or_create(settings_key(7), lambda: pytest.fail("not cached"))

    return view, cache_prefetch_deriver(view, info), config.registry


@pytest.fixture(autouse=True)
def tear_down():
    yield
    testing.tearDown()


def make_request(registry):
    request = testing.DummyRequest(registry=registry)
    apply_request_extensions(request)
    return request


def test_the_views_entries_are_read_ahead_in_one_call(shared_cache):
    _, derived, registry = derive(ClaimingPolicy(), shared_cache)
    assert derived(None, make_request(registry)) == {"sentence_length_limit": 9}
    assert shared_cache.reads == [[settings_key(7)]]


def test_a_request_without_a_claimed_user_reads_nothing_ahead(shared_cache):
    _, derived, registry = derive(ClaimingPolicy(user_id=None), shared_cache)
    # The view's own read still finds the entry, through the shared cache.
    assert derived(None, make_request(registry)) == {"sentence_length_limit": 9}
    assert shared_cache.reads == []


def test_a_policy_that_claims_no_user_leaves_the_view_as_it_is(shared_cache):
    view, derived, _ = derive(OtherPolicy(), shared_cache)
    assert derived is view
