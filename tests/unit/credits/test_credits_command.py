"""``novel-pyramid credits grant EMAIL N`` on the configured database."""

import pytest
from sqlalchemy import select

from novel_pyramid.accounts.models import User
from novel_pyramid.credits.models import CreditEntry
from novel_pyramid.db import make_engine, make_session_factory
from novel_pyramid.db.types import utcnow
from novel_pyramid.models import ModelBase
from novel_pyramid.scripts import main


@pytest.fixture
def database(tmp_path, monkeypatch):
    """A database with the schema and one user, named by DATABASE_URL; ``entries()`` reads its ledger."""
    for name in ("NOVEL_PYRAMID_INI", "NOVEL_ENVIRONMENT"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'novel.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CREDITS_MONTHLY_GRANT", "100")
    engine = make_engine({"database_url": url})
    ModelBase.metadata.create_all(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        session.add(User(email="lea@example.com", name="Léa", is_active=True, created_at=utcnow()))
        session.commit()

    def entries():
        with factory() as session:
            return [(e.reason, e.delta_credits, e.description) for e in session.scalars(select(CreditEntry))]

    yield entries
    engine.dispose()


def test_a_grant_adds_to_the_months_balance_after_its_monthly_grant(database, capsys):
    assert main(["credits", "grant", "lea@example.com", "50", "--reason", "Goodwill"]) == 0

    assert capsys.readouterr().out.strip().endswith("+50 credits (Goodwill); balance of " + _month() + ": 150")
    assert database() == [("monthly_grant", 100, f"Grant of {_month()}"), ("admin_adjustment", 50, "Goodwill")]


def test_a_negative_grant_takes_credits_back_but_never_below_zero(database, capsys):
    assert main(["credits", "grant", "lea@example.com", "-30"]) == 0
    assert main(["credits", "grant", "lea@example.com", "-71"]) == 1

    assert "Not enough credits: this needs 71 and the balance is 70. Nothing was changed." in capsys.readouterr().err
    assert [delta for _, delta, _ in database()] == [100, -30]


def test_an_unknown_email_changes_nothing(database, capsys):
    assert main(["credits", "grant", "nobody@example.com", "5"]) == 1

    assert "no user has the email 'nobody@example.com'" in capsys.readouterr().err
    assert database() == []


def test_a_missing_ini_file_is_an_error(database, capsys, tmp_path):
    assert main(["credits", "grant", "lea@example.com", "5", "--ini", str(tmp_path / "none.ini")]) == 2

    assert "does not exist" in capsys.readouterr().err


def _month():
    now = utcnow()
    return f"{now.year:04d}-{now.month:02d}"
