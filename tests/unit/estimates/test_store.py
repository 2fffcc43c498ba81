"""Kept extractions: chunks by digest, replaced when kept again, purged after credits.estimate.keep_days."""

import datetime

from sqlalchemy import func, select

from novel_pyramid.estimates.models import KeptExtraction
from novel_pyramid.estimates.store import ExtractionStore
from novel_pyramid.pipeline import Chunk

CHUNKS = [Chunk(["Il pleuvait.", "Elle lisait."], 1, 2), Chunk(["La nuit tomba."], 2, 3)]


class Clock:
    def __init__(self):
        self.now = datetime.datetime(2026, 12, 2, 12, 0)

    def __call__(self):
        return self.now


def store(dbsession, clock, keep_days=7):
    return ExtractionStore(dbsession, keep_days, clock=clock)


def kept(dbsession):
    return dbsession.scalar(select(func.count()).select_from(KeptExtraction))


def test_kept_chunks_come_back_in_order_with_their_pages(dbsession):
    extractions = store(dbsession, Clock())

    extractions.keep("d1", CHUNKS)

    assert extractions.chunks("d1") == CHUNKS
    assert all(isinstance(chunk, Chunk) for chunk in extractions.chunks("d1"))
    assert extractions.chunks("unknown") is None


def test_keeping_again_replaces_and_renews(dbsession):
    clock = Clock()
    extractions = store(dbsession, clock)
    extractions.keep("d1", CHUNKS)
    clock.now += datetime.timedelta(days=6)

    extractions.keep("d1", CHUNKS[:1])
    clock.now += datetime.timedelta(days=6)

    assert extractions.chunks("d1") == CHUNKS[:1]
    assert kept(dbsession) == 1


def test_an_extraction_older_than_the_keep_days_is_gone(dbsession):
    clock = Clock()
    extractions = store(dbsession, clock, keep_days=7)
    extractions.keep("old", CHUNKS)
    clock.now += datetime.timedelta(days=7, seconds=1)

    # Not answered even before a purge has removed it...
    assert extractions.chunks("old") is None
    assert kept(dbsession) == 1
    # ...and the next keep purges it in the same transaction.
    extractions.keep("new", CHUNKS)
    assert kept(dbsession) == 1 and extractions.chunks("new") == CHUNKS


def test_purge_on_demand_counts_what_it_deleted(dbsession):
    clock = Clock()
    extractions = store(dbsession, clock, keep_days=1)
    extractions.keep("a", CHUNKS)
    extractions.keep("b", CHUNKS)

    assert extractions.purge() == 0
    assert extractions.purge(clock.now + datetime.timedelta(days=2)) == 2
    assert kept(dbsession) == 0


def test_an_empty_extraction_is_kept_as_empty(dbsession):
    extractions = store(dbsession, Clock())
    extractions.keep("empty", [])
    assert extractions.chunks("empty") == []
