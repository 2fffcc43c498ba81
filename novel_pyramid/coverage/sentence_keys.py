"""The word keys of a text's sentences, computed once with the French pipeline and kept (``ISentenceKeyStore``).

A coverage run keys every sentence of its sources (``pipeline.lemmas``), which
costs a parse of the whole text; a second run over the same text (another word
list, another mode, a swap) reads the kept keys instead and parses nothing.
Rows are found by the digest of the sentences themselves, so two jobs of the
same book share one, and a change of keying (``lemmas.KEYING_VERSION``) or of
the model's version keys again. Keys are kept unfolded; a run that folds
diacritics folds them on the way out, so one row serves both.

``kept_sentence_keys``: the digest, the sentence count, and each sentence's
words as zlib-compressed JSON (a book of 100,000 words takes some 300 kB).
"""

import datetime
import functools
import hashlib
import importlib.metadata
import json
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import DateTime, Index, Integer, LargeBinary, String, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, deferred, mapped_column, sessionmaker
from zope.interface import Attribute, Interface, implementer

from novel_pyramid.db import ModelBase, own_transaction
from novel_pyramid.db.types import utcnow
from novel_pyramid.pipeline import french, lemmas

log = logging.getLogger(__name__)

SHA256_HEX_LENGTH = 64
# last_used_at is renewed at most this often, so that reading kept keys rarely writes.
TOUCH_EVERY = datetime.timedelta(hours=12)


class KeptSentenceKeys(ModelBase):
    __tablename__ = "kept_sentence_keys"
    __table_args__ = (Index("ix_kept_sentence_keys_last_used_at", "last_used_at"),)

    # sentence_digest() of the sentences, the keying version and the model's version.
    digest: Mapped[str] = mapped_column(String(SHA256_HEX_LENGTH), primary_key=True)
    sentence_count: Mapped[int] = mapped_column(Integer)
    # encode_words(): zlib-compressed JSON, one list per sentence; read only by sentence_words().
    words: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime.datetime] = mapped_column(DateTime, default=utcnow)


class ISentenceKeyStore(Interface):
    """The ``pipeline.lemmas.Word`` items of sentences, kept by the digest of the sentences.

    Commits apart: keys computed here are kept in a transaction of their own
    (``db.own_transaction``), so a run that fails later still leaves them for its
    retry, and the caller's transaction never holds a book's keys. Keeping is
    best effort: a failure to write is logged and the computed keys are answered.
    On SQLite, call it before the caller's transaction writes (SQLite has one writer).

    Purge: a row lives ``coverage.sentence_keys.keep_days`` days from its last
    use; keeping deletes the older ones (one indexed DELETE), ``purge`` on demand.
    """

    parsed = Attribute("How many sentences this store has keyed with the French pipeline (0: all were kept).")

    def sentence_words(sentences, *, fold_diacritics=False):
        """The words of each of ``sentences`` (a list of str), in order: kept ones, or keyed now and kept."""

    def purge(now=None):
        """Delete the rows unused for ``coverage.sentence_keys.keep_days`` days; return how many."""


@functools.cache
def _model_version():
    return importlib.metadata.version(french.MODEL.replace("_", "-"))


def sentence_digest(sentences):
    """Hex SHA-256 naming ``sentences`` (in order) as keyed by this keying version and model version."""
    digest = hashlib.sha256(f"sentence-keys:{lemmas.KEYING_VERSION}:{_model_version()}\n".encode())
    for sentence in sentences:
        # Each text's length before it: no two lists of sentences hash alike, whatever they contain.
        encoded = sentence.encode("utf-8", "surrogatepass")
        digest.update(b"%d:" % len(encoded))
        digest.update(encoded)
    return digest.hexdigest()


def encode_words(sentences_words):
    """Compact bytes of the words of each sentence: a word is its surface, or [key, surface] when they differ."""
    payload = [
        [word.surface if word.key == word.surface else [word.key, word.surface] for word in words]
        for words in sentences_words
    ]
    return zlib.compress(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode(), 6)


def decode_words(data, *, fold_diacritics=False):
    """The words ``encode_words`` encoded; each distinct word is one shared ``Word`` object."""
    shared = {}

    def word(item):
        if isinstance(item, str):
            item = (item, item)
        else:
            item = tuple(item)
        found = shared.get(item)
        if found is None:
            key, surface = item
            found = shared[item] = lemmas.Word(lemmas.fold_key(key) if fold_diacritics else key, surface)
        return found

    return [[word(item) for item in words] for words in json.loads(zlib.decompress(data))]


@implementer(ISentenceKeyStore)
@dataclass
class SentenceKeyStore:
    db: Session
    session_factory: sessionmaker
    keep_days: int
    clock: Callable[[], datetime.datetime] = utcnow
    parsed: int = 0

    @classmethod
    def create_service(cls, context, request):
        registry = request.registry
        return cls(
            request.dbsession, registry["db.session_factory"], registry.settings["coverage.sentence_keys.keep_days"]
        )

    def sentence_words(self, sentences, *, fold_diacritics=False):
        sentences = list(sentences)
        if not sentences:
            return []
        digest = sentence_digest(sentences)
        row = self.db.execute(
            select(KeptSentenceKeys.words, KeptSentenceKeys.sentence_count, KeptSentenceKeys.last_used_at).where(
                KeptSentenceKeys.digest == digest
            )
        ).first()
        if row is not None and row.sentence_count == len(sentences):
            if self.clock() - row.last_used_at >= TOUCH_EVERY:
                self._write(self._touch, digest)
            return decode_words(row.words, fold_diacritics=fold_diacritics)

        words = lemmas.sentence_words(sentences)
        self.parsed += len(sentences)
        self._write(self._keep, digest, words)
        if not fold_diacritics:
            return words
        return decode_words(encode_words(words), fold_diacritics=True)

    def purge(self, now=None):
        return self.db.execute(
            delete(KeptSentenceKeys)
            .where(KeptSentenceKeys.last_used_at < self._oldest(now))
            .execution_options(synchronize_session=False)
        ).rowcount

    def _write(self, step, *args):
        try:
            with own_transaction(self.session_factory) as (_, db):
                step(db, *args)
        except SQLAlchemyError:
            # The keys can always be computed again; a failed write must not fail the run that computed them.
            log.warning("Could not keep the sentence keys %s", args[0], exc_info=True)

    def _keep(self, db, digest, words):
        now = self.clock()
        values = {
            "digest": digest,
            "sentence_count": len(words),
            "words": encode_words(words),
            "created_at": now,
            "last_used_at": now,
        }
        insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
        statement = insert(KeptSentenceKeys).values(**values)
        # Two runs over one text at once both key it: the same words.
        db.execute(
            statement.on_conflict_do_update(
                index_elements=["digest"],
                set_={
                    "sentence_count": statement.excluded.sentence_count,
                    "words": statement.excluded.words,
                    "last_used_at": statement.excluded.last_used_at,
                },
            )
        )
        db.execute(
            delete(KeptSentenceKeys)
            .where(KeptSentenceKeys.last_used_at < self._oldest(now))
            .execution_options(synchronize_session=False)
        )

    def _touch(self, db, digest):
        db.execute(
            update(KeptSentenceKeys)
            .where(KeptSentenceKeys.digest == digest)
            .values(last_used_at=self.clock())
            .execution_options(synchronize_session=False)
        )

    def _oldest(self, now=None):
        return (now or self.clock()) - datetime.timedelta(days=self.keep_days)


def includeme_store(config):
    """Register ``ISentenceKeyStore``; the coverage subsystem's ``includeme`` calls it."""
    config.register_service_factory(SentenceKeyStore.create_service, ISentenceKeyStore)
