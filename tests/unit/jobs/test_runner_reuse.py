"""JobRunner with result reuse: a chunk rewritten before (same text, limit, normaliser) is not rewritten again."""

import pytest
from sqlalchemy import select

from novel_pyramid.jobs.models import ChunkResult, ChunkStatus, JobStatus
from novel_pyramid.jobs.runner import Step
from tests.fakes.pdfs import novel_paragraphs, text_pdf
from tests.unit.jobs.helpers import Recorder, reload


def run_book(runner, make_job, dbsession, book):
    job_id = make_job(upload=book, status=JobStatus.QUEUED, step=Step.QUEUED)
    sent = []
    runner.extract(job_id, sent.extend)
    for chunk_id in sent:
        runner.normalize_chunk(chunk_id)
    return reload(dbsession, job_id), sent


def test_a_book_seen_before_is_settled_during_extraction_without_a_chunk_task(runner_for, make_job, dbsession):
    book = text_pdf(novel_paragraphs(24))
    normalizer = Recorder()
    runner = runner_for(normalizer)
    first, sent = run_book(runner, make_job, dbsession, book)
    calls = len(normalizer.calls)
    assert first.status == JobStatus.COMPLETED and len(sent) == first.chunks_total == calls > 4

    second, sent = run_book(runner, make_job, dbsession, book)

    assert sent == [] and len(normalizer.calls) == calls
    assert (second.status, second.step, second.chunks_done) == (JobStatus.COMPLETED, Step.FINISHED, calls)
    assert second.sentences_count == first.sentences_count
    assert [c.output_sentences for c in second.chunks] == [c.output_sentences for c in first.chunks]
    assert {chunk.status for chunk in second.chunks} == {ChunkStatus.DONE}


def test_a_chunk_rewritten_meanwhile_by_another_job_is_settled_without_the_normaliser(runner_for, make_job, dbsession):
    first = make_job([["Un."], ["Deux."]])
    second = make_job([["Deux."]])
    normalizer = Recorder()
    runner = runner_for(normalizer)
    for chunk in reload(dbsession, first).chunks:
        runner.normalize_chunk(chunk.id)

    runner.normalize_chunk(reload(dbsession, second).chunks[0].id)

    job = reload(dbsession, second)
    assert normalizer.calls == [["Un."], ["Deux."]]
    assert (job.status, job.chunks[0].output_sentences, job.sentences_count) == (JobStatus.COMPLETED, ["DEUX."], 1)


def test_a_failed_chunk_is_not_stored_and_is_tried_again(runner_for, make_job, dbsession):
    normalizer = Recorder(failing={"Un."})
    runner = runner_for(normalizer)
    first = make_job([["Un."], ["Deux."]])
    for chunk in reload(dbsession, first).chunks:
        runner.normalize_chunk(chunk.id)
    assert reload(dbsession, first).status == JobStatus.FAILED
    assert dbsession.scalars(select(ChunkResult.output_sentences)).all() == [["DEUX."]]

    normalizer.failing.clear()
    second = make_job([["Un."], ["Deux."]])
    for chunk in reload(dbsession, second).chunks:
        runner.normalize_chunk(chunk.id)

    assert normalizer.calls == [["Un."], ["Deux."], ["Un."]]
    assert reload(dbsession, second).status == JobStatus.COMPLETED


def test_a_result_of_another_normaliser_configuration_is_not_reused(runner_for, make_job, dbsession):
    normalizer = Recorder()
    runner_for(normalizer).normalize_chunk(reload(dbsession, make_job([["Un."]])).chunks[0].id)

    other = Recorder()
    other.cache_key = "recorder:v2"
    runner_for(other).normalize_chunk(reload(dbsession, make_job([["Un."]])).chunks[0].id)

    assert other.calls == [["Un."]]


# Reuse of an extraction: the same bytes, extracted before with the same settings, are not read again.

MARKED = ["Ce texte ne vient que de la base de données."]


def mark_first_chunk(dbsession, job_id):
    """Change a stored chunk input: a later job holding it copied the chunks instead of reading the PDF."""
    reload(dbsession, job_id).chunks[0].input_sentences = MARKED
    dbsession.commit()


def inputs(dbsession, job_id):
    return [chunk.input_sentences for chunk in reload(dbsession, job_id).chunks]


def test_the_same_bytes_are_copied_from_the_earlier_job_instead_of_read(runner_for, make_job, dbsession):
    book = text_pdf(novel_paragraphs(24))
    runner = runner_for()
    first, _ = run_book(runner, make_job, dbsession, book)
    mark_first_chunk(dbsession, first.id)

    second, sent = run_book(runner, make_job, dbsession, book)

    assert inputs(dbsession, second.id) == inputs(dbsession, first.id) and inputs(dbsession, second.id)[0] == MARKED
    # Only the changed chunk is new text; the others settled from stored results.
    assert len(sent) == 1 and second.status == JobStatus.COMPLETED
    assert second.extraction_digest == first.extraction_digest is not None and second.upload is None
    # The pages of each chunk are copied with its text.
    pages = [(chunk.start_page, chunk.end_page) for chunk in second.chunks]
    assert pages == [(chunk.start_page, chunk.end_page) for chunk in first.chunks] and pages[0][0] == 1


def test_a_job_cancelled_while_extracting_is_never_copied(runner_for, make_job, dbsession):
    book = text_pdf(novel_paragraphs(24))
    runner = runner_for()
    cancelled = make_job(upload=book, status=JobStatus.QUEUED, step=Step.QUEUED)

    def cancel_after_the_first_batch(chunk_ids):
        if chunk_ids:
            reload(dbsession, cancelled).status = JobStatus.CANCELLED
            dbsession.commit()

    runner.extract(cancelled, cancel_after_the_first_batch)
    job = reload(dbsession, cancelled)
    assert 0 < len(job.chunks) < 12 and job.extraction_digest is None
    mark_first_chunk(dbsession, cancelled)

    second, _ = run_book(runner, make_job, dbsession, book)

    assert second.status == JobStatus.COMPLETED and len(second.chunks) == 12
    assert MARKED not in inputs(dbsession, second.id)


class WorkerLost(Exception):
    pass


def test_a_redelivered_copy_carries_on_and_reads_the_pdf_if_its_source_went_meanwhile(runner_for, make_job, dbsession):
    book = text_pdf(novel_paragraphs(100))  # more chunks than one copy batch
    runner = runner_for()
    first, _ = run_book(runner, make_job, dbsession, book)
    expected = inputs(dbsession, first.id)
    mark_first_chunk(dbsession, first.id)
    job_id = make_job(upload=book, status=JobStatus.QUEUED, step=Step.QUEUED)
    sent = []

    def lose_the_worker_after_one_batch(chunk_ids):
        sent.extend(chunk_ids)
        if chunk_ids:
            raise WorkerLost

    with pytest.raises(WorkerLost):
        runner.extract(job_id, lose_the_worker_after_one_batch)
    copied = len(reload(dbsession, job_id).chunks)
    assert 0 < copied < len(expected)
    dbsession.delete(reload(dbsession, first.id))
    dbsession.commit()

    runner.extract(job_id, sent.extend)
    for chunk_id in sent:
        runner.normalize_chunk(chunk_id)

    job = reload(dbsession, job_id)
    assert [chunk.position for chunk in job.chunks] == list(range(len(expected)))
    # The first batch came from the source, the rest from the PDF.
    assert inputs(dbsession, job_id) == [MARKED, *expected[1:]]
    assert (job.status, job.chunks_total, job.chunks_done) == (JobStatus.COMPLETED, len(expected), len(expected))
