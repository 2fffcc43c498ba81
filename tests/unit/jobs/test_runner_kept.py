"""An upload an estimate read whole is not read again: its job takes the chunks the estimate kept."""

import hashlib

from novel_pyramid.estimates.interfaces import IExtractionStore
from novel_pyramid.jobs.models import JobStatus
from novel_pyramid.jobs.runner import Step
from novel_pyramid.pipeline import Chunk, ProcessingOptions, extraction_digest
from tests.fakes.pdfs import novel_paragraphs, text_pdf
from tests.unit.jobs.conftest import in_transaction
from tests.unit.jobs.helpers import SETTINGS, Recorder, reload

BOOK = text_pdf(novel_paragraphs(24))
# Only the kept copy can hold these: they are not the book's text.
KEPT = [Chunk(["Ce texte ne vient que de l'estimation."], 1, 1), Chunk(["Ni celui-ci."], 1, 2)]


def digest_of(book, options=ProcessingOptions()):
    return extraction_digest(
        hashlib.sha256(book).hexdigest(),
        max_pages=SETTINGS["pipeline.max_pages"],
        chunk_max_words=SETTINGS["pipeline.chunk_max_words"],
        options=options,
    )


def keep(engine, registry, digest, chunks):
    in_transaction(engine, registry, IExtractionStore, lambda store: store.keep(digest, chunks))


def run(runner, job_id):
    sent = []
    runner.extract(job_id, sent.extend)
    for chunk_id in sent:
        runner.normalize_chunk(chunk_id)


def test_a_job_takes_the_chunks_its_estimate_kept_with_their_pages(run_with, make_job, dbsession, engine, registry):
    keep(engine, registry, digest_of(BOOK), KEPT)
    job_id = make_job(upload=BOOK, status=JobStatus.QUEUED, step=Step.QUEUED)

    run(run_with(Recorder()), job_id)

    job = reload(dbsession, job_id)
    assert job.status == JobStatus.COMPLETED and job.upload is None
    assert [(chunk.input_sentences, chunk.start_page, chunk.end_page) for chunk in job.chunks] == [
        (chunk.sentences, chunk.start_page, chunk.end_page) for chunk in KEPT
    ]
    assert job.extraction_digest == digest_of(BOOK)


def test_a_job_with_other_extraction_options_reads_the_pdf(run_with, make_job, dbsession, engine, registry):
    keep(engine, registry, digest_of(BOOK), KEPT)
    job_id = make_job(
        upload=BOOK, status=JobStatus.QUEUED, step=Step.QUEUED, processing_settings={"fix_hyphenation": False}
    )

    run(run_with(Recorder()), job_id)

    job = reload(dbsession, job_id)
    assert job.status == JobStatus.COMPLETED and len(job.chunks) > len(KEPT)
    assert all("marqueur" in " ".join(chunk.input_sentences) for chunk in job.chunks)
