"""A credits service on the test database, with a clock the tests move."""

import datetime
import itertools

import pytest

from novel_pyramid.accounts.models import User
from novel_pyramid.config import load_settings
from novel_pyramid.credits.pricing import HeuristicTokenCounter, PriceTable
from novel_pyramid.credits.services import CreditService
from novel_pyramid.db.types import utcnow

GRANT = 100
_emails = itertools.count()


class Clock:
    """Naive UTC time that stands still until a test moves it."""

    def __init__(self, now=datetime.datetime(2026, 12, 15, 12, 0)):
        self.now = now

    def __call__(self):
        return self.now


def default_settings(**overrides):
    return load_settings({"credits.monthly_grant": str(GRANT), **overrides}, environ={})


def credit_service(session, clock, **overrides):
    settings = default_settings(**overrides)
    return CreditService(
        session,
        PriceTable.from_settings(settings),
        HeuristicTokenCounter.from_settings(settings),
        settings["credits.monthly_grant"],
        clock=clock,
    )


def new_user(session):
    user = User(email=f"reader{next(_emails)}@example.com", name="Léa", is_active=True, created_at=utcnow())
    session.add(user)
    session.flush()
    return user.id


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def service(dbsession, clock):
    return credit_service(dbsession, clock)


@pytest.fixture
def user_id(dbsession):
    return new_user(dbsession)
