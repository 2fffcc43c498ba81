"""Small factories for functional tests: users, signed-in clients."""

import pytest

from novel_pyramid.accounts.models import User
from novel_pyramid.db.types import utcnow


@pytest.fixture
def make_user(dbsession):
    def factory(email="lea@example.com", **fields):
        user = User(email=email, name=fields.pop("name", "Léa"), is_active=True, created_at=utcnow())
        for name, value in fields.items():
            setattr(user, name, value)
        dbsession.add(user)
        dbsession.commit()
        return user

    return factory


@pytest.fixture
def login(testapp):
    """Sign in through the development endpoint; return the login response body."""

    def sign_in(email="lea@example.com"):
        return testapp.post_json("/api/v1/auth/dev-login", {"email": email}).json

    return sign_in


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def auth_headers(login):
    def headers_for(email="lea@example.com"):
        return bearer(login(email)["access_token"])

    return headers_for
