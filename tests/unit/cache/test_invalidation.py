"""ORM writes to cached tables forget the cached entries, after the commit and not before."""

import pytest
from sqlalchemy import create_engine

from novel_pyramid.accounts.models import User, UserSettings
from novel_pyramid.accounts.services import settings_key, stale_keys_of_settings
from novel_pyramid.cache import StaleKeys, cache_from_settings, watch_session_factory
from novel_pyramid.cache.invalidation import cache_of, invalidate_after_commit
from novel_pyramid.cache.regions import NULL_CACHE
from novel_pyramid.config import load_settings
from novel_pyramid.db import make_session_factory
from novel_pyramid.db.types import utcnow
from novel_pyramid.models import ModelBase


@pytest.fixture
def cache():
    return cache_from_settings(load_settings({"cache.backend": "memory"}, {}))


@pytest.fixture
def session_factory(cache):
    engine = create_engine("sqlite://")
    ModelBase.metadata.create_all(engine)
    factory = make_session_factory(engine)
    stale_keys = StaleKeys()
    stale_keys.add(UserSettings, stale_keys_of_settings)
    watch_session_factory(factory, cache, stale_keys)
    return factory


def cached(cache, key):
    return cache.get_or_create(key, lambda: "recomputed")


def test_a_settings_update_forgets_the_settings_entry_at_commit(cache, session_factory):
    with session_factory() as session:
        user = User(email="a@example.com", is_active=True, created_at=utcnow())
        session.add(user)
        session.flush()
        settings = UserSettings(user_id=user.id, sentence_length_limit=12)
        session.add(settings)
        session.commit()
        cache.get_or_create(settings_key(user.id), lambda: "twelve")
        settings.sentence_length_limit = 13
        session.flush()
        assert cached(cache, settings_key(user.id)) == "twelve", "not before the commit"
        session.commit()
        assert cached(cache, settings_key(user.id)) == "recomputed"


def test_a_settings_change_forgets_the_settings_entry(cache, session_factory):
    with session_factory() as session:
        user = User(email="a@example.com", is_active=True, created_at=utcnow())
        session.add(user)
        session.flush()
        cache.get_or_create(settings_key(user.id), lambda: "old")
        session.add(UserSettings(user_id=user.id, sentence_length_limit=12))
        session.commit()
        assert cached(cache, settings_key(user.id)) == "recomputed"


def test_a_rolled_back_change_invalidates_nothing(cache, session_factory):
    with session_factory() as session:
        cache.get_or_create(settings_key(1), lambda: "kept")
        invalidate_after_commit(session, settings_key(1))
        session.rollback()
    assert cached(cache, settings_key(1)) == "kept"


def test_sessions_of_an_unwatched_factory_use_the_null_cache():
    session = make_session_factory(create_engine("sqlite://"))()
    assert cache_of(session) is NULL_CACHE
    invalidate_after_commit(session, "anything")  # no cache, nothing to do
