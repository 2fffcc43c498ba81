"""Small factories for functional tests: users, signed-in clients, and apps on the fake Gemini."""

import pytest

from novel_pyramid.accounts.models import User
from novel_pyramid.db.types import utcnow
from tests.fakes.gemini_server import gemini_fixture


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


GEMINI_KEY = "test-gemini-key"
# Small chunks, so even a one-page PDF makes a job of several chunks.
SMALL_CHUNKS = {"pipeline.chunk_max_words": "50"}


@pytest.fixture
def headers(auth_headers):
    return auth_headers()


gemini = gemini_fixture("gemini", api_key=GEMINI_KEY)


@pytest.fixture
def gemini_settings(gemini):
    """Settings of an app whose normaliser is Gemini, served by the (reset) fake."""
    gemini.reset()
    return {
        **SMALL_CHUNKS,
        "normalizer": "gemini",
        "gemini.api_key": GEMINI_KEY,
        "gemini.base_url": gemini.base_url,
        "gemini.max_retries": "1",
        "gemini.backoff_seconds": "0.001",
    }


@pytest.fixture
def gemini_app(headers, make_app, gemini_settings):
    return make_app(**gemini_settings)
