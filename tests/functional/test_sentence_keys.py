"""Kept sentence keys: a text is parsed once, its keys kept apart from the caller's transaction, purged when unused.

Runs on SQLite and, with DATABASE_URL, on PostgreSQL. That a second call parses
nothing is shown twice: by the store's own count, and by counting the texts
spaCy's shared pipeline is handed.
"""

import datetime

import pytest
from sqlalchemy import create_engine, func, select

from novel_pyramid.coverage.sentence_keys import (
    TOUCH_EVERY,
    KeptSentenceKeys,
    SentenceKeyStore,
    decode_words,
    encode_words,
    sentence_digest,
)
from novel_pyramid.db import make_session_factory
from novel_pyramid.pipeline import french, lemmas

SENTENCES = [
    "L'été dernier, les chevaux mangeaient des pommes.",
    "« Viens ! » cria-t-elle à Jean-Pierre.",
    "Peut-être qu'il viendra demain à Paris.",
]


class Clock:
    def __init__(self):
        self.now = datetime.datetime(2026, 12, 3, 12, 0)

    def __call__(self):
        return self.now


@pytest.fixture
def session_factory(engine):
    return make_session_factory(engine)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(dbsession, session_factory, clock):
    """A new store, as each request or task gets one, on its own session."""
    sessions = []

    def make(keep_days=30):
        session = session_factory()
        sessions.append(session)
        return SentenceKeyStore(session, session_factory, keep_days, clock=clock)

    yield make
    for session in sessions:
        session.close()


@pytest.fixture
def texts_parsed(monkeypatch):
    """How many texts the shared spaCy pipeline is handed from now on (spaCy's ``Language.pipe``, counted)."""
    nlp = french.pipeline()
    original = nlp.pipe
    counted = []

    def pipe(texts, *args, **kwargs):
        texts = list(texts)
        counted.extend(texts)
        return original(texts, *args, **kwargs)

    monkeypatch.setattr(nlp, "pipe", pipe)
    return counted


def rows(dbsession):
    dbsession.rollback()  # a fresh snapshot: the store commits in transactions of its own
    return dbsession.scalar(select(func.count()).select_from(KeptSentenceKeys))


def test_a_second_call_parses_nothing(store, dbsession, texts_parsed):
    first = store()
    words = first.sentence_words(SENTENCES)
    assert first.parsed == len(SENTENCES)
    assert len(texts_parsed) == len(SENTENCES)
    assert words == lemmas.sentence_words(SENTENCES)
    texts_parsed.clear()

    second = store()
    assert second.sentence_words(SENTENCES) == words
    assert second.parsed == 0
    assert texts_parsed == []
    assert rows(dbsession) == 1


def test_folded_keys_come_from_the_same_row(store, dbsession, texts_parsed):
    store().sentence_words(SENTENCES)
    texts_parsed.clear()

    again = store()
    folded = again.sentence_words(SENTENCES, fold_diacritics=True)

    assert folded == lemmas.sentence_words(SENTENCES, fold_diacritics=True)
    assert [word.key for word in folded[0]][:2] == ["le", "ete"]
    assert again.parsed == 0
    texts_parsed.clear()
    assert store().sentence_words(SENTENCES, fold_diacritics=False)[0][1].key == "été"
    assert texts_parsed == []
    assert rows(dbsession) == 1


def test_folding_on_the_first_call_keeps_unfolded_keys(store):
    first = store()
    assert first.sentence_words(SENTENCES, fold_diacritics=True)[0][1].key == "ete"
    second = store()
    assert second.sentence_words(SENTENCES)[0][1].key == "été"
    assert second.parsed == 0


def test_other_sentences_or_another_order_are_another_text(store, dbsession):
    store().sentence_words(SENTENCES)
    other = store()
    reordered = other.sentence_words(list(reversed(SENTENCES)))
    assert other.parsed == len(SENTENCES)
    assert reordered == list(reversed(lemmas.sentence_words(SENTENCES)))
    assert store().sentence_words(SENTENCES[:2]) == lemmas.sentence_words(SENTENCES[:2])
    assert rows(dbsession) == 3
    # The digest cannot be fooled by where one sentence ends and the next begins.
    assert sentence_digest(["ab", "c"]) != sentence_digest(["a", "bc"])
    assert sentence_digest(["a"]) != sentence_digest(["a", ""])


def test_no_sentences_keep_nothing(store, dbsession):
    empty = store()
    assert empty.sentence_words([]) == []
    assert empty.parsed == 0
    assert rows(dbsession) == 0


def test_kept_keys_survive_the_callers_rollback(store, dbsession, session_factory, clock):
    caller = session_factory()
    try:
        SentenceKeyStore(caller, session_factory, 30, clock=clock).sentence_words(SENTENCES)
        caller.rollback()
    finally:
        caller.close()
    assert rows(dbsession) == 1


def test_unused_rows_are_purged_and_reading_renews_them(store, dbsession, clock):
    store(keep_days=7).sentence_words(SENTENCES[:1])
    store(keep_days=7).sentence_words(SENTENCES[1:2])
    clock.now += datetime.timedelta(days=5)
    # Read again: its last use is now.
    reader = store(keep_days=7)
    reader.sentence_words(SENTENCES[:1])
    assert reader.parsed == 0
    clock.now += datetime.timedelta(days=3)

    purger = store(keep_days=7)
    assert purger.purge() == 1
    purger.db.commit()
    assert rows(dbsession) == 1
    assert store(keep_days=7).sentence_words(SENTENCES[1:2]) and rows(dbsession) == 2


def test_keeping_purges_what_is_unused(store, dbsession, clock):
    store(keep_days=7).sentence_words(SENTENCES[:1])
    clock.now += datetime.timedelta(days=8)
    store(keep_days=7).sentence_words(SENTENCES[1:2])
    assert rows(dbsession) == 1


def test_reading_writes_only_when_the_last_use_is_old(store, dbsession, clock):
    store().sentence_words(SENTENCES)
    first_use = clock.now
    clock.now += TOUCH_EVERY / 2
    store().sentence_words(SENTENCES)
    dbsession.rollback()
    assert dbsession.scalar(select(KeptSentenceKeys.last_used_at)) == first_use
    clock.now += TOUCH_EVERY
    store().sentence_words(SENTENCES)
    dbsession.rollback()
    assert dbsession.scalar(select(KeptSentenceKeys.last_used_at)) == clock.now


def test_a_failed_keep_still_answers_the_keys(dbsession, clock, caplog):
    broken = make_session_factory(create_engine("sqlite:////nonexistent-directory/keys.sqlite"))
    store = SentenceKeyStore(dbsession, broken, 30, clock=clock)
    assert store.sentence_words(SENTENCES) == lemmas.sentence_words(SENTENCES)
    assert "Could not keep the sentence keys" in caplog.text
    assert rows(dbsession) == 0


def test_the_encoding_is_compact_and_round_trips():
    words = lemmas.sentence_words(SENTENCES * 50)
    data = encode_words(words)
    assert decode_words(data) == words
    decoded = decode_words(data)
    assert decoded[0][0] is decoded[3][0]  # one object per distinct word
    assert len(data) < len("".join(SENTENCES * 50).encode()) / 4
