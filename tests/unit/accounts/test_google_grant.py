"""Forgetting a revoked Google grant: in a transaction of its own, and only the tokens Google refused."""

from sqlalchemy import select

from novel_pyramid.accounts.models import User
from novel_pyramid.accounts.services import AccountService
from novel_pyramid.db import make_session_factory
from novel_pyramid.db.types import utcnow


def add_user(dbsession, **tokens):
    user = User(email="lea@example.com", name="Léa", is_active=True, created_at=utcnow(), **tokens)
    dbsession.add(user)
    dbsession.commit()
    return user


def forget_revoked_grant(engine, dbsession, user):
    AccountService(dbsession, session_factory=make_session_factory(engine)).forget_revoked_google_grant(user)


def tokens_of(dbsession, user_id):
    dbsession.expire_all()
    user = dbsession.scalar(select(User).where(User.id == user_id))
    return user.google_access_token, user.google_refresh_token, user.google_token_expiry


def test_the_refused_tokens_are_cleared(engine, dbsession):
    user = add_user(dbsession, google_access_token="a1", google_refresh_token="r1", google_token_expiry=utcnow())

    forget_revoked_grant(engine, dbsession, user)

    assert tokens_of(dbsession, user.id) == (None, None, None)


def test_tokens_stored_by_a_sign_in_meanwhile_are_kept(engine, dbsession):
    user = add_user(dbsession, google_access_token="a1", google_refresh_token="r1")
    refused = User(id=user.id, google_access_token="a1", google_refresh_token="r1")
    user.google_access_token, user.google_refresh_token = "a2", "r2"  # the user signed in again
    dbsession.commit()

    forget_revoked_grant(engine, dbsession, refused)

    assert tokens_of(dbsession, user.id)[:2] == ("a2", "r2")


def test_a_grant_of_an_access_token_alone_is_matched_too(engine, dbsession):
    user = add_user(dbsession, google_access_token="a1")

    forget_revoked_grant(engine, dbsession, user)

    assert tokens_of(dbsession, user.id)[:2] == (None, None)
