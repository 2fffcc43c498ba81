"""Result reuse: the content hash of a chunk, and the store (database behind the cache)."""

import socket
import uuid

import pytest
from sqlalchemy import delete, event, select

from novel_pyramid.cache import cache_from_settings
from novel_pyramid.config import load_settings
from novel_pyramid.db import make_session_factory, own_transaction
from novel_pyramid.jobs.models import ChunkResult
from novel_pyramid.jobs.reuse import ChunkResults, StoredResult, content_hash
from novel_pyramid.normalizers.gemini import GeminiNormalizer
from novel_pyramid.normalizers.local import LocalNormalizer
from tests.fakes.servers import redis_fixture

private_redis = redis_fixture("private_redis", scope="module")

SENTENCES = ["Il pleuvait sur la ville depuis le matin.", "Elle lisait."]
KEY = content_hash("gemini:model-a:1", 8, SENTENCES)


def test_the_same_chunk_at_the_same_settings_has_the_same_hash():
    assert content_hash("gemini:model-a:1", 8, list(SENTENCES)) == KEY
    assert len(KEY) == 64 and int(KEY, 16) >= 0


@pytest.mark.parametrize(
    "other",
    [
        content_hash("gemini:model-a:1", 9, SENTENCES),  # another limit
        content_hash("gemini:model-b:1", 8, SENTENCES),  # another model
        content_hash("gemini:model-a:2", 8, SENTENCES),  # another prompt version
        content_hash("local:v1", 8, SENTENCES),  # another normaliser
        content_hash("gemini:model-a:1", 8, SENTENCES[:1]),  # other text
        content_hash("gemini:model-a:1", 8, [" ".join(SENTENCES)]),  # the same words, split otherwise
        content_hash("gemini:model-a:1", 8, [*SENTENCES, ""]),
        content_hash("gemini:model-a:1", 8, SENTENCES, model="gemini-2.5-pro"),  # the job's model
        content_hash("gemini:model-a:1", 8, SENTENCES, options_key="d1f1h1m2"),  # other options
    ],
)
def test_anything_that_shapes_the_output_changes_the_hash(other):
    assert other != KEY


def test_the_hash_keeps_the_model_and_the_options_apart():
    assert content_hash("k", 8, SENTENCES, model="m", options_key="o") != content_hash(
        "k", 8, SENTENCES, model="o", options_key="m"
    )
    assert content_hash("k", 8, SENTENCES, model=None) != content_hash("k", 8, SENTENCES, model="None")


def test_the_normalisers_name_their_model_and_prompt_in_their_cache_key():
    first = GeminiNormalizer("key", model="gemini-a").cache_key
    assert first != GeminiNormalizer("key", model="gemini-b").cache_key
    assert first != LocalNormalizer().cache_key
    assert content_hash(first, 8, SENTENCES) != content_hash(LocalNormalizer().cache_key, 8, SENTENCES)


@pytest.fixture
def session_factory(engine, dbsession):
    # dbsession empties the tables after the test.
    return make_session_factory(engine)


def lookup(session_factory, results, key=KEY):
    with own_transaction(session_factory) as (_, db):
        return results.lookup(db, key)


def remember(session_factory, results, output, key=KEY, sources=None):
    with own_transaction(session_factory) as (_, db):
        results.remember(db, key, output, sources)


def test_a_remembered_result_is_found_and_a_miss_is_none(session_factory):
    results = ChunkResults()
    assert lookup(session_factory, results) is None

    remember(session_factory, results, ["Il pleuvait.", "Elle lisait."])

    assert lookup(session_factory, results) == StoredResult(["Il pleuvait.", "Elle lisait."])
    assert lookup(session_factory, results, key="0" * 64) is None


def test_a_result_keeps_the_source_of_each_sentence_through_the_database_and_the_cache(session_factory, dbsession):
    results = ChunkResults(memory_cache())
    remember(session_factory, results, ["Il pleuvait.", "Sur la ville.", "Elle lisait."], sources=[0, 0, 1])

    stored = StoredResult(["Il pleuvait.", "Sur la ville.", "Elle lisait."], [0, 0, 1])
    assert lookup(session_factory, results) == stored  # from the database, then cached
    dbsession.execute(delete(ChunkResult))
    dbsession.commit()
    assert lookup(session_factory, results) == stored  # from the cache


def test_a_result_stored_meanwhile_wins_and_the_late_insert_neither_fails_nor_aborts(session_factory, dbsession):
    results = ChunkResults()
    with own_transaction(session_factory) as (_, late):
        assert results.lookup(late, KEY) is None
        # Another worker rewrote the same text and committed first.
        remember(session_factory, results, ["Premier."])
        results.remember(late, KEY, ["Second."])
        # The transaction is still usable: a chunk's settlement shares it.
        assert late.scalar(select(ChunkResult.output_sentences).where(ChunkResult.content_hash == KEY)) == ["Premier."]
    assert dbsession.scalars(select(ChunkResult.output_sentences)).all() == [["Premier."]]


def memory_cache():
    return cache_from_settings(
        load_settings({"cache.backend": "memory", "cache.key_prefix": f"test:{uuid.uuid4().hex}:"}, {})
    )


def test_the_cache_answers_in_front_of_the_database(session_factory, dbsession):
    results = ChunkResults(memory_cache())
    remember(session_factory, results, ["Il pleuvait."])
    assert lookup(session_factory, results) == StoredResult(["Il pleuvait."])

    dbsession.execute(delete(ChunkResult))
    dbsession.commit()

    # Served by the cache: a result never changes, so a cached copy is never stale.
    assert lookup(session_factory, results) == StoredResult(["Il pleuvait."])


def test_a_miss_is_not_cached(session_factory):
    results = ChunkResults(memory_cache())
    assert lookup(session_factory, results) is None

    remember(session_factory, results, ["Il pleuvait."])

    assert lookup(session_factory, results) == StoredResult(["Il pleuvait."])


def test_with_the_cache_down_results_come_from_the_database(session_factory):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    cache = cache_from_settings(
        load_settings({"cache.backend": "redis", "cache.redis_url": f"redis://127.0.0.1:{closed_port}/0"}, {})
    )
    results = ChunkResults(cache)
    remember(session_factory, results, ["Il pleuvait."])

    assert lookup(session_factory, results) == StoredResult(["Il pleuvait."])
    assert lookup(session_factory, results, key="0" * 64) is None


def test_keys_the_cache_misses_are_read_from_the_database_in_one_query(session_factory, engine):
    results = ChunkResults(memory_cache())
    keys = [content_hash("gemini:model-a:1", 8, [f"Phrase {n}."]) for n in range(6)]
    for key in keys[:4]:
        remember(session_factory, results, [key[:8]], key=key)
    assert lookup(session_factory, results, key=keys[0]) == StoredResult([keys[0][:8]])  # now cached
    reads = []

    def count_reads(conn, cursor, statement, *args):
        if "FROM chunk_results" in statement:
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", count_reads)
    try:
        with own_transaction(session_factory) as (_, db):
            found = results.lookup_many(db, [*keys, keys[1]])
    finally:
        event.remove(engine, "before_cursor_execute", count_reads)

    assert found == {key: StoredResult([key[:8]]) for key in keys[:4]}
    assert len(reads) == 1
    # The misses that were found are cached now; the absent keys are not.
    with own_transaction(session_factory) as (_, db):
        db.execute(delete(ChunkResult))
    assert lookup(session_factory, results, key=keys[3]) == StoredResult([keys[3][:8]])
    assert lookup(session_factory, results, key=keys[4]) is None


def test_results_read_from_the_database_are_cached_in_one_round_trip(session_factory, private_redis):
    # A stored result never changes: no miss lock (six commands a key with get_or_create), one write for all.
    cache = cache_from_settings(load_settings({"cache.backend": "redis", "cache.redis_url": private_redis.url}, {}))
    results = ChunkResults(cache)
    keys = [content_hash("gemini:model-a:1", 8, [f"Phrase {n}."]) for n in range(20)]
    for key in keys:
        remember(session_factory, results, [key[:8]], key=key)
    cache.ping()  # opens the connection
    private_redis.reset_command_calls()

    with own_transaction(session_factory) as (_, db):
        assert results.lookup_many(db, keys) == {key: StoredResult([key[:8]]) for key in keys}
    # dogpile writes them in one pipelined MULTI/EXEC.
    assert private_redis.command_calls() == {"mget": 1, "multi": 1, "setex": 20, "exec": 1}

    private_redis.reset_command_calls()
    with own_transaction(session_factory) as (_, db):
        assert results.lookup_many(db, keys) == {key: StoredResult([key[:8]]) for key in keys}
    assert private_redis.command_calls() == {"mget": 1}
