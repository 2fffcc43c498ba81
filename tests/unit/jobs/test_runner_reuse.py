"""JobRunner with result reuse: a chunk rewritten before (same text, limit, normaliser) is not rewritten again."""

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
