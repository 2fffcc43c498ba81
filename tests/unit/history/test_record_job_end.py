"""What a job's end leaves in its history entry: settings, error code, failed step and snapshot."""

import datetime

import pytest
from sqlalchemy import select

from novel_pyramid.accounts.models import User
from novel_pyramid.db.types import utcnow
from novel_pyramid.history.models import HistoryEntry
from novel_pyramid.history.services import HistoryService, failed_step_of, settings_of
from novel_pyramid.jobs.models import Job

OPTIONS = {
    "sentence_length_limit": 10,
    "gemini_model": "quality",
    "ignore_dialogue": True,
    "preserve_formatting": False,
    "fix_hyphenation": True,
    "min_sentence_length": 3,
}


@pytest.fixture
def make_job(dbsession):
    user = User(email="lea@example.com", name="Léa", is_active=True, created_at=utcnow())
    dbsession.add(user)
    dbsession.flush()

    def make(**fields):
        job = Job(
            user_id=user.id,
            status=fields.pop("status", "completed"),
            original_filename="roman.pdf",
            sentence_length_limit=fields.pop("sentence_length_limit", 10),
            normalizer="local",
            **fields,
        )
        dbsession.add(job)
        dbsession.flush()
        return job

    return make


def entry_of(dbsession, job):
    return dbsession.scalar(select(HistoryEntry).where(HistoryEntry.job_id == job.id))


def test_a_completed_job_keeps_its_settings_and_snapshot(dbsession, make_job):
    job = make_job(processing_settings=OPTIONS, model="gemini-2.5-pro", sentences_count=2)
    pairs = [{"normalized": "Un.", "original": "Un."}, {"normalized": "Deux.", "original": "Deux, trois."}]

    HistoryService(dbsession).record_job_end(job, completed=True, sentences=pairs)
    dbsession.commit()

    entry = entry_of(dbsession, job)
    assert entry.settings == {
        "sentence_length": 10,
        "sentence_length_limit": 10,
        "gemini_model": "quality",
        "advanced_options": {
            "ignore_dialogue": True,
            "preserve_formatting": False,
            "fix_hyphenation": True,
            "min_sentence_length": 3,
        },
    }
    assert (entry.error_code, entry.failed_step, entry.error_message) == (None, None, None)
    assert entry.sentences == pairs and entry.processed_sentences_count == 2


def test_without_options_the_settings_name_the_jobs_limit_and_model(make_job):
    job = make_job(sentence_length_limit=8, model="gemini-2.5-flash")
    assert settings_of(job) == {
        "sentence_length": 8,
        "sentence_length_limit": 8,
        "gemini_model": "gemini-2.5-flash",
        "advanced_options": {},
    }


STARTED = datetime.datetime(2026, 3, 1, 10, 0)


@pytest.mark.parametrize(
    ("fields", "step"),
    [
        # A chunk the normaliser gave up on.
        ({"chunks_failed": 1, "started_at": STARTED, "extraction_digest": "d" * 64}, "normalize"),
        ({"chunks_failed": 2, "started_at": STARTED}, "normalize"),
        # The book could not be read through.
        ({"started_at": STARTED}, "extract"),
        # The extraction never started.
        ({}, "upload"),
        # Read through, then an internal error before the chunks ended.
        ({"started_at": STARTED, "extraction_digest": "d" * 64}, "normalize"),
    ],
)
def test_a_failed_job_says_where_it_stopped(dbsession, make_job, fields, step):
    job = make_job(status="failed", error_code="invalid_pdf", error_message="Illisible.", **fields)

    HistoryService(dbsession).record_job_end(job, completed=False)
    dbsession.commit()

    entry = entry_of(dbsession, job)
    assert (entry.failed_step, entry.error_code, entry.error_message) == (step, "invalid_pdf", "Illisible.")
    assert entry.processed_sentences_count == 0 and entry.sentences is None


def test_a_cancelled_job_failed_at_no_step(dbsession, make_job):
    job = make_job(status="cancelled", error_code="cancelled", error_message="Cancelled by the user.")
    assert failed_step_of(job) is None
    HistoryService(dbsession).record_job_end(job, completed=False)
    assert entry_of(dbsession, job).error_code == "cancelled"


def test_a_retried_job_rewrites_its_one_entry(dbsession, make_job):
    job = make_job(status="failed", chunks_failed=1, started_at=STARTED, error_code="upstream_error")
    history = HistoryService(dbsession)
    history.record_job_end(job, completed=False)
    job.status, job.chunks_failed, job.error_code, job.sentences_count = "completed", 0, None, 1

    history.record_job_end(job, completed=True, sentences=[{"normalized": "Un.", "original": "Un."}])
    dbsession.commit()

    (entry,) = dbsession.scalars(select(HistoryEntry)).all()
    assert (entry.error_code, entry.failed_step, entry.processed_sentences_count) == (None, None, 1)
    assert entry.sentences == [{"normalized": "Un.", "original": "Un."}]


def test_a_job_that_fails_again_keeps_no_earlier_snapshot(dbsession, make_job):
    job = make_job(status="failed", chunks_failed=1, started_at=STARTED)
    history = HistoryService(dbsession)
    entry = history.record_job_end(job, completed=False)
    history.store_snapshot(entry, [{"normalized": "Un.", "original": "Un."}])

    history.record_job_end(job, completed=False)
    dbsession.commit()

    assert entry_of(dbsession, job).sentences is None
