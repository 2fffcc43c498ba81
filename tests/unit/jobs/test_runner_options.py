"""The job's options and model reach the work: extraction (pages, hyphenation), the normaliser, reuse, usage."""

from sqlalchemy import select

from novel_pyramid.jobs.models import ChunkResult, JobStatus
from novel_pyramid.jobs.runner import Step
from novel_pyramid.pipeline import ProcessingOptions
from tests.fakes.pdfs import novel_paragraphs, text_pdf
from tests.unit.jobs.helpers import Recorder, reload
from tests.unit.pipeline.conftest import build_book

BOOK = text_pdf(novel_paragraphs(24))
DIALOGUE = {"ignore_dialogue": True, "min_sentence_length": 3}


def run_book(runner, make_job, dbsession, book=BOOK, **columns):
    job_id = make_job(upload=book, status=JobStatus.QUEUED, step=Step.QUEUED, **columns)
    sent = []
    runner.extract(job_id, sent.extend)
    for chunk_id in sent:
        runner.normalize_chunk(chunk_id)
    return reload(dbsession, job_id), sent


def test_each_chunk_keeps_the_pages_it_was_read_from(runner_for, make_job, dbsession):
    job, _ = run_book(runner_for(), make_job, dbsession)

    pages = [(chunk.start_page, chunk.end_page) for chunk in job.chunks]
    assert job.status == JobStatus.COMPLETED and pages[0][0] == 1
    assert all(start <= end for start, end in pages)
    assert [start for start, _ in pages] == sorted(start for start, _ in pages)
    assert pages[-1][1] > 1  # the book runs over several pages


def test_the_normaliser_gets_the_jobs_options_and_model(runner_for, make_job, dbsession):
    normalizer = Recorder()

    job, sent = run_book(
        runner_for(normalizer), make_job, dbsession, processing_settings=DIALOGUE, model="gemini-2.5-pro"
    )

    assert job.status == JobStatus.COMPLETED and len(sent) > 1
    assert set(normalizer.options) == {ProcessingOptions(ignore_dialogue=True, min_sentence_length=3)}
    assert set(normalizer.models) == {"gemini-2.5-pro"}


def test_the_models_tokens_and_calls_are_summed_on_the_chunks_and_the_job(runner_for, make_job, dbsession):
    job, sent = run_book(runner_for(), make_job, dbsession)

    chunks = job.chunks
    assert all(chunk.input_tokens > 0 and chunk.output_tokens == 2 * chunk.input_tokens for chunk in chunks)
    assert job.input_tokens == sum(chunk.input_tokens for chunk in chunks)
    assert job.output_tokens == sum(chunk.output_tokens for chunk in chunks)
    assert job.model_calls == len(sent) == len(chunks)
    assert job.round_tokens == job.input_tokens + job.output_tokens
    assert all(chunk.settled_at is not None for chunk in chunks)
    assert [chunk.output_sources for chunk in chunks] == [list(range(len(chunk.input_sentences))) for chunk in chunks]


def test_results_are_reused_with_the_same_options_and_model_only(runner_for, make_job, dbsession):
    normalizer = Recorder()
    runner = runner_for(normalizer)
    first, _ = run_book(runner, make_job, dbsession, processing_settings=DIALOGUE)
    calls = len(normalizer.calls)

    same, sent = run_book(runner, make_job, dbsession, processing_settings=dict(DIALOGUE))
    assert sent == [] and len(normalizer.calls) == calls
    # A chunk settled from a stored result used no tokens, and kept its sources.
    assert (same.input_tokens, same.output_tokens, same.model_calls, same.round_tokens) == (0, 0, 0, 0)
    assert [chunk.output_sources for chunk in same.chunks] == [chunk.output_sources for chunk in first.chunks]

    other_options, _ = run_book(runner, make_job, dbsession, processing_settings={"ignore_dialogue": False})
    other_model, _ = run_book(runner, make_job, dbsession, processing_settings=DIALOGUE, model="gemini-2.5-pro")
    assert len(normalizer.calls) == 3 * calls
    assert other_options.model_calls == other_model.model_calls == calls
    assert dbsession.scalar(select(ChunkResult.output_sources).limit(1)) is not None


def test_fix_hyphenation_changes_the_extraction_and_so_its_reuse(runner_for, make_job, dbsession):
    book = build_book([["Le vieil homme regardait la mer immense et deman-", "dait du pain à la femme."]])
    runner = runner_for()

    mended, _ = run_book(runner, make_job, dbsession, book)
    printed, _ = run_book(runner, make_job, dbsession, book, processing_settings={"fix_hyphenation": False})

    assert "demandait" in mended.chunks[0].input_sentences[0]
    assert "deman-dait" in printed.chunks[0].input_sentences[0]
    assert mended.extraction_digest != printed.extraction_digest
    # The same bytes and options again: the chunks are copied from the job with that digest.
    again, _ = run_book(runner, make_job, dbsession, book, processing_settings={"fix_hyphenation": "false"})
    assert again.extraction_digest == printed.extraction_digest
    assert [chunk.input_sentences for chunk in again.chunks] == [chunk.input_sentences for chunk in printed.chunks]
