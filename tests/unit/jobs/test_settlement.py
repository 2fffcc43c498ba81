"""settle_chunk: a chunk's output, sources and model usage are recorded once, and summed on its job once."""

from novel_pyramid.db import make_session_factory, own_transaction
from novel_pyramid.jobs.models import ChunkStatus
from novel_pyramid.jobs.settlement import settle_chunk
from novel_pyramid.normalizers.results import Usage
from tests.unit.jobs.helpers import reload


def settle(engine, chunk_id, job_id, output, **options):
    with own_transaction(make_session_factory(engine)) as (_, db):
        return settle_chunk(db, chunk_id, job_id, output, None, **options)


def test_a_chunks_tokens_and_calls_are_added_to_its_job_once(engine, make_job, dbsession):
    job_id = make_job([["Un deux trois."], ["Quatre."], ["Cinq."]])
    first, second, third = [chunk.id for chunk in reload(dbsession, job_id).chunks]

    assert settle(engine, first, job_id, ["Un deux.", "Trois."], sources=[0, 0], usage=Usage(30, 12, 2))
    assert not settle(engine, first, job_id, ["Un deux.", "Trois."], sources=[0, 0], usage=Usage(30, 12, 2))
    assert settle(engine, second, job_id, ["Quatre."], sources=[0], usage=Usage(10, 4, 1))

    job = reload(dbsession, job_id)
    assert (job.input_tokens, job.output_tokens, job.model_calls, job.round_tokens) == (40, 16, 3, 56)
    chunk = job.chunks[0]
    assert (chunk.status, chunk.output_sources, chunk.input_tokens, chunk.output_tokens, chunk.model_calls) == (
        ChunkStatus.DONE,
        [0, 0],
        30,
        12,
        2,
    )
    assert chunk.settled_at is not None and job.chunks[2].settled_at is None
    # A chunk settled from a stored result used no tokens.
    assert settle(engine, third, job_id, ["Cinq."], sources=[0])
    job = reload(dbsession, job_id)
    assert (job.round_tokens, job.model_calls, job.chunks[2].input_tokens, job.status) == (56, 3, 0, "completed")
