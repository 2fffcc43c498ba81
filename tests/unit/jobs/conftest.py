"""Fixtures of the job runner tests: a runner on the test database, and jobs in any state."""

import hashlib

import pytest
from sqlalchemy import select

from novel_pyramid.accounts.models import User
from novel_pyramid.db import make_session_factory
from novel_pyramid.db.types import utcnow
from novel_pyramid.jobs.models import Job, JobChunk, JobStatus, JobUpload
from novel_pyramid.jobs.runner import JobRunner, Step
from tests.unit.jobs.helpers import SETTINGS, Recorder


@pytest.fixture
def runner_for(engine):
    def make(normalizer=None, **settings):
        """A runner; ``settings`` override the defaults, e.g. ``**{"jobs.lease_seconds": 1.0}``."""
        return JobRunner(make_session_factory(engine), normalizer or Recorder(), {**SETTINGS, **settings})

    return make


@pytest.fixture
def make_job(dbsession):
    def factory(chunks=(), upload=None, status=JobStatus.PROCESSING, step=Step.NORMALIZING, **columns):
        """A job of the test user; ``columns`` set others, e.g. ``processing_settings`` or ``model``."""
        user = dbsession.scalar(select(User)) or User(email="lea@example.com", is_active=True, created_at=utcnow())
        job = Job(
            status=status,
            step=step,
            original_filename="roman.pdf",
            sentence_length_limit=8,
            normalizer="recorder",
            chunks_total=len(chunks),
            sentences_count=0,
            **columns,
        )
        dbsession.add(user)
        dbsession.flush()
        job.user_id = user.id
        job.chunks = [
            JobChunk(position=index, input_sentences=list(sentences)) for index, sentences in enumerate(chunks)
        ]
        if upload is not None:
            job.upload = JobUpload(size=len(upload), sha256=hashlib.sha256(upload).hexdigest(), data=upload)
        dbsession.add(job)
        dbsession.commit()
        return job.id

    return factory
