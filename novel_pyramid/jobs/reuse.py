"""Result reuse: a chunk whose text was already rewritten with the same settings is not sent to a model again.

Public-domain novels are uploaded again and again; their chunks come out of
the (deterministic) extraction identical each time. A chunk's result is keyed
by ``content_hash``: a SHA-256 over the normaliser's ``cache_key`` (name,
model, prompt version), the job's model, its processing options
(``ProcessingOptions.key``), the word limit and the chunk's input sentences. Only
someone holding the identical text at the same settings finds the result; no
user id, file name or job enters the key or the stored row.

The store is the database (``chunk_results``: durable, shared by every worker);
the application cache sits in front of it. A row is written once and never
changes, so a cached copy can never be stale and nothing is invalidated. Only
successful outputs are stored: a failed chunk is tried again next time.
A result is stored with its sources (each output sentence's input sentence),
so a reused chunk still pairs every sentence with the one it came from.
"""

import dataclasses
import hashlib
import json
import logging

import sqlalchemy.exc
from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite

from novel_pyramid.cache.keys import chunk_result_key
from novel_pyramid.cache.regions import NULL_CACHE
from novel_pyramid.jobs.models import ChunkResult

log = logging.getLogger(__name__)

# Changes whenever the encoding below does, so old and new hashes never meet.
HASH_FORMAT_VERSION = 2


def content_hash(normalizer_cache_key, limit, sentences, *, model=None, options_key=""):
    """The reuse key of one chunk: hex SHA-256 of a canonical JSON encoding of everything that shapes its output.

    ``model`` is the job's model (None: the normaliser's own, named by its
    ``cache_key``); ``options_key`` the job's ``ProcessingOptions.key``.
    JSON (rather than joining strings) keeps the parts apart: no choice of
    sentences can make two different chunks encode alike.
    """
    canonical = json.dumps(
        [
            HASH_FORMAT_VERSION,
            str(normalizer_cache_key),
            None if model is None else str(model),
            str(options_key),
            int(limit),
            [str(sentence) for sentence in sentences],
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclasses.dataclass(frozen=True)
class StoredResult:
    """A stored chunk result: its output sentences and, for each, the index of its input sentence (or None)."""

    sentences: list
    sources: list | None = None

    def as_json(self):
        return {"sentences": list(self.sentences), "sources": self.sources}

    @classmethod
    def from_json(cls, value):
        return cls(list(value["sentences"]), value.get("sources"))


class ChunkResults:
    """Lookup and insert-if-absent of chunk results: the database behind the application cache."""

    def __init__(self, cache=NULL_CACHE):
        self.cache = cache

    def lookup(self, db, key):
        """The ``StoredResult`` for ``key``, or None; read through the cache (which fails open)."""
        return self.lookup_many(db, [key]).get(key)

    def lookup_many(self, db, keys):
        """``{key: StoredResult}`` for the keys that have a stored result.

        One cache round trip for all the keys; one ``IN`` query for those the
        cache misses. Results found in the database are cached in one more
        round trip (``set_many``: a stored result never changes, so no lock is
        needed); a miss is never cached, as it would hide the result once
        another worker stores it.
        """
        cache_keys = {key: chunk_result_key(key) for key in keys}
        cached = self.cache.get_many(list(cache_keys.values()))
        found = {
            key: StoredResult.from_json(cached[cache_key])
            for key, cache_key in cache_keys.items()
            if isinstance(cached.get(cache_key), dict)
        }
        missed = [key for key in cache_keys if key not in found]
        if not missed:
            return found
        stored = {
            row.content_hash: StoredResult(list(row.output_sentences), row.output_sources)
            for row in db.execute(
                select(ChunkResult.content_hash, ChunkResult.output_sentences, ChunkResult.output_sources).where(
                    ChunkResult.content_hash.in_(missed)
                )
            )
        }
        found_in_db = {key: stored[key] for key in missed if key in stored}
        self.cache.set_many({cache_keys[key]: result.as_json() for key, result in found_in_db.items()})
        return {**found, **found_in_db}

    def remember(self, db, key, output, sources=None):
        """Store ``output`` and its ``sources`` under ``key`` in ``db``'s transaction unless a result is there.

        Two workers may finish chunks with the same text at once: the second
        insert is dropped without an error (and without aborting the
        transaction it shares with the chunk's settlement). Both outputs are
        valid rewrites; the first one stored is the one reused.
        """
        values = {
            "content_hash": key,
            "output_sentences": list(output),
            "output_sources": list(sources) if sources is not None else None,
        }
        dialect = db.get_bind().dialect.name
        if dialect == "postgresql":
            db.execute(postgresql.insert(ChunkResult).values(**values).on_conflict_do_nothing())
        elif dialect == "sqlite":
            db.execute(sqlite.insert(ChunkResult).values(**values).on_conflict_do_nothing())
        else:
            # Any other database: a savepoint keeps a duplicate from aborting the transaction.
            try:
                with db.begin_nested():
                    db.execute(insert(ChunkResult).values(**values))
            except sqlalchemy.exc.IntegrityError:
                log.debug("Chunk result %s was stored meanwhile", key)
