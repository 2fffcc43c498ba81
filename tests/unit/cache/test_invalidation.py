"""ORM writes to cached tables forget the cached entries, after the commit and not before."""

import pytest
from sqlalchemy import create_engine

from novel_pyramid.accounts.models import User, UserSettings
from novel_pyramid.cache import cache_from_settings, identity_key, settings_key, watch_session_factory
from novel_pyramid.cache.invalidation import cache_of, invalidate_after_commit
from novel_pyramid.cache.regions import NULL_CACHE
from novel_pyramid.db import make_session_factory
from novel_pyramid.db.types import utcnow
from novel_pyramid.models import ModelBase


@pytest.fixture
def cache():
    return cache_from_settings({"cache.backend": "memory"})


@pytest.fixture
def session_factory(cache):
    engine = create_engine("sqlite://")
    ModelBase.metadata.create_all(engine)
    factory = make_session_factory(engine)
    watch_session_factory(factory, cache)
    return factory


def cached(cache, key):
    return cache.get_or_create(key, lambda: "recomputed")


def test_a_user_change_forgets_the_identity_entry_at_commit(cache, session_factory):
    with session_factory() as session:
        user = User(email="a@example.com", is_active=True, created_at=utcnow())
        session.add(user)
        session.commit()
        cache.get_or_create(identity_key(user.id), lambda: "active")
        user.is_active = False
        session.flush()
        assert cached(cache, identity_key(user.id)) == "active", "not before the commit"
        session.commit()
        assert cached(cache, identity_key(user.id)) == "recomputed"


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
        cache.get_or_create(identity_key(1), lambda: "kept")
        invalidate_after_commit(session, identity_key(1))
        session.rollback()
    assert cached(cache, identity_key(1)) == "kept"


def test_sessions_of_an_unwatched_factory_use_the_null_cache():
    session = make_session_factory(create_engine("sqlite://"))()
    assert cache_of(session) is NULL_CACHE
    invalidate_after_commit(session, "anything")  # no cache, nothing to do
