"""jobs.events: announcements after a commit, and a steady one while a long call runs."""

import time

from sqlalchemy import text

from novel_pyramid.jobs.events import JobChanged, announce, announce_after_commit, announcing_every


class Heard:
    """A registry's ``notify``, recording what it is told."""

    def __init__(self):
        self.events = []

    def notify(self, event):
        self.events.append(event)


def test_announce_notifies_the_job_and_nothing_without_a_registry():
    heard = Heard()
    announce(heard, "job-1")
    announce(None, "job-2")
    assert heard.events == [JobChanged("job-1")]


def test_an_announcement_after_commit_waits_for_the_commit_and_is_lost_with_a_rollback(engine):
    from sqlalchemy.orm import Session

    heard = Heard()
    with Session(engine) as db:
        db.execute(text("SELECT 1"))
        announce_after_commit(heard, db, "rolled-back")
        db.rollback()
        db.execute(text("SELECT 1"))
        announce_after_commit(heard, db, "committed")
        assert heard.events == []
        db.commit()
        db.commit()  # once only
    assert heard.events == [JobChanged("committed")]


def test_a_long_block_is_announced_every_period_and_no_more_after_it():
    heard = Heard()
    with announcing_every(heard, "job-1", 0.02):
        time.sleep(0.15)
    count = len(heard.events)
    time.sleep(0.06)
    assert count >= 3 and len(heard.events) == count
    assert set(heard.events) == {JobChanged("job-1")}
