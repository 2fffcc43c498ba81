"""Fixtures of the job runner tests: a runner on the test database, and jobs in any state.

``run_with`` makes a runner that finds the services of the application's
registry (the credits ledger, the kept extractions), as a worker's does.
"""

import hashlib

import pytest
from sqlalchemy import select

from novel_pyramid.accounts.models import User
from novel_pyramid.db import make_session_factory, own_transaction
from novel_pyramid.db.types import utcnow
from novel_pyramid.jobs.models import Job, JobChunk, JobStatus, JobUpload
from novel_pyramid.jobs.runner import JobRunner, Step
from novel_pyramid.tasks import blank_request
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


@pytest.fixture
def registry(make_app):
    return make_app().app.registry


@pytest.fixture
def run_with(registry, engine):
    def make(normalizer):
        return JobRunner(make_session_factory(engine), normalizer, {**SETTINGS}, registry=registry)

    return make


def in_transaction(engine, registry, interface, work):
    """``work(service)`` with the registry's ``interface`` service on a transaction of its own."""
    with own_transaction(make_session_factory(engine)) as (_, db):
        request = blank_request(registry)
        request.dbsession = db
        return work(request.find_service(interface))
