"""JobRunner against the test database: every step is idempotent, the last chunk finishes the job once."""

import threading

from sqlalchemy import select, update

from novel_pyramid.db import make_session_factory, own_transaction
from novel_pyramid.history.models import HistoryEntry
from novel_pyramid.jobs.models import ChunkStatus, Job, JobChunk, JobStatus
from novel_pyramid.jobs.runner import MAX_CHUNK_ATTEMPTS, Step
from tests.fakes.pdfs import novel_paragraphs, text_pdf
from tests.unit.jobs.helpers import Recorder, reload


def test_a_chunk_delivered_twice_is_normalised_and_counted_once(runner_for, make_job, dbsession):
    job_id = make_job([["Un."], ["Deux."]])
    normalizer = Recorder()
    runner = runner_for(normalizer)
    first, second = [chunk.id for chunk in reload(dbsession, job_id).chunks]

    runner.normalize_chunk(first)
    runner.normalize_chunk(first)

    job = reload(dbsession, job_id)
    assert (job.chunks_done, job.status, len(normalizer.calls)) == (1, JobStatus.PROCESSING, 1)
    runner.normalize_chunk(second)
    job = reload(dbsession, job_id)
    assert (job.status, job.step, job.chunks_done, job.sentences_count) == ("completed", "finished", 2, 2)
    assert [chunk.output_sentences for chunk in job.chunks] == [["UN."], ["DEUX."]]
    entry = dbsession.scalars(select(HistoryEntry)).one()
    assert entry.processed_sentences_count == 2
    # The entry keeps each sentence with the one it came from.
    assert entry.sentences == [{"normalized": "UN.", "original": "Un."}, {"normalized": "DEUX.", "original": "Deux."}]


def test_a_failed_chunk_fails_the_job_once_all_chunks_settle(runner_for, make_job, dbsession):
    job_id = make_job([["Un."], ["Deux."]])
    runner = runner_for(Recorder(failing={"Un."}))

    for chunk in reload(dbsession, job_id).chunks:
        runner.normalize_chunk(chunk.id)

    job = reload(dbsession, job_id)
    assert (job.status, job.chunks_done, job.chunks_failed) == (JobStatus.FAILED, 1, 1)
    # Our words and a stable code; what the service said is only logged (jobs.failures).
    assert job.error_message == (
        "1 of 2 part(s) of the book could not be rewritten: The rewriting service failed; try again later."
    )
    assert job.error_code == "upstream_error"
    assert [(chunk.error_code, "503" in (chunk.error_message or "")) for chunk in job.chunks] == [
        ("upstream_error", False),
        (None, False),
    ]
    entry = dbsession.scalars(select(HistoryEntry)).one()
    assert entry.error_message == job.error_message and entry.sentences is None


def test_a_chunk_of_a_cancelled_job_is_not_normalised(runner_for, make_job, dbsession):
    job_id = make_job([["Un."]], status=JobStatus.CANCELLED, step=Step.FINISHED)
    normalizer = Recorder()

    runner_for(normalizer).normalize_chunk(reload(dbsession, job_id).chunks[0].id)

    job = reload(dbsession, job_id)
    assert normalizer.calls == [] and job.chunks[0].status == ChunkStatus.CANCELLED
    assert job.status == JobStatus.CANCELLED


def test_a_chunk_that_keeps_killing_its_worker_is_given_up(runner_for, make_job, dbsession):
    job_id = make_job([["Un."]])
    chunk_id = reload(dbsession, job_id).chunks[0].id
    dbsession.get(JobChunk, chunk_id).attempts = MAX_CHUNK_ATTEMPTS
    dbsession.commit()

    runner_for().normalize_chunk(chunk_id)

    job = reload(dbsession, job_id)
    assert job.status == JobStatus.FAILED and "Gave up after 5 attempts" in job.error_message


def test_extraction_stores_chunks_in_batches_and_sends_them_after_commit(runner_for, make_job, dbsession):
    job_id = make_job(upload=text_pdf(novel_paragraphs(24)), status=JobStatus.QUEUED, step=Step.QUEUED)
    sent = []

    def send(chunk_ids):
        # Sent chunks are committed: another session sees them.
        dbsession.expire_all()
        assert all(dbsession.get(JobChunk, chunk_id) for chunk_id in chunk_ids)
        sent.append(list(chunk_ids))

    runner_for().extract(job_id, send)

    job = reload(dbsession, job_id)
    assert (job.status, job.step) == (JobStatus.PROCESSING, Step.NORMALIZING)
    assert job.chunks_total == len(job.chunks) > 4 and job.upload is None
    assert [chunk_id for batch in sent for chunk_id in batch] == [chunk.id for chunk in job.chunks]
    assert len([batch for batch in sent if batch]) > 1


def test_a_redelivered_extraction_resends_unsettled_chunks_and_stores_nothing_twice(runner_for, make_job, dbsession):
    job_id = make_job(upload=text_pdf(novel_paragraphs(24)), status=JobStatus.QUEUED, step=Step.QUEUED)
    runner = runner_for()
    runner.extract(job_id, lambda ids: None)
    chunks = reload(dbsession, job_id).chunks
    runner.normalize_chunk(chunks[0].id)

    sent = []
    runner.extract(job_id, sent.extend)

    assert sent == [chunk.id for chunk in chunks[1:]]
    assert len(reload(dbsession, job_id).chunks) == len(chunks)


def test_an_unreadable_upload_fails_the_job_at_extraction(runner_for, make_job, dbsession):
    job_id = make_job(upload=b"%PDF-1.4 broken", status=JobStatus.QUEUED, step=Step.QUEUED)

    runner_for().extract(job_id, lambda ids: None)

    job = reload(dbsession, job_id)
    assert job.status == JobStatus.FAILED and "damaged" in job.error_message and job.upload is None
    assert dbsession.scalars(select(HistoryEntry)).one().job_id == job_id


def test_an_unexpected_task_failure_ends_the_job_instead_of_leaving_it_processing(runner_for, make_job, dbsession):
    job_id = make_job([["Un."], ["Deux."]])
    runner = runner_for()
    first, second = [chunk.id for chunk in reload(dbsession, job_id).chunks]

    runner.fail_chunk(first)
    runner.normalize_chunk(second)

    job = reload(dbsession, job_id)
    assert (job.status, job.chunks_failed, job.chunks_done) == (JobStatus.FAILED, 1, 1)
    queued = make_job(upload=b"%PDF-", status=JobStatus.QUEUED, step=Step.QUEUED)
    runner.fail_job(queued)
    assert (reload(dbsession, queued).status, reload(dbsession, queued).error_code) == (
        JobStatus.FAILED,
        "internal_error",
    )


def test_a_claim_waits_for_a_cancel_in_flight_and_then_leaves_the_chunk(runner_for, make_job, dbsession, engine):
    job_id = make_job([["Un."], ["Deux."]])
    chunk_id = reload(dbsession, job_id).chunks[0].id
    normalizer = Recorder()
    runner = runner_for(normalizer)

    with own_transaction(make_session_factory(engine)) as (_, cancel):
        # A cancel as the jobs service writes it: the job's row first, then its pending chunks. The
        # chunk task arrives in between, while the chunk still reads pending.
        cancel.execute(update(Job).where(Job.id == job_id).values(status=JobStatus.CANCELLED, step=Step.FINISHED))
        worker = threading.Thread(target=runner.normalize_chunk, args=(chunk_id,))
        worker.start()
        worker.join(0.5)
        assert worker.is_alive()  # the claim waits for the cancel to commit
        cancel.execute(
            update(JobChunk)
            .where(JobChunk.job_id == job_id, JobChunk.status == ChunkStatus.PENDING)
            .values(status=ChunkStatus.CANCELLED)
        )
    worker.join(10)

    assert not worker.is_alive() and normalizer.calls == []
    assert {chunk.status for chunk in reload(dbsession, job_id).chunks} == {ChunkStatus.CANCELLED}
