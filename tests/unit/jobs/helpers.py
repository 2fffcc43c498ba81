"""What the job runner tests share: a recording normaliser and a fresh read of a job."""

from zope.interface import implementer

from novel_pyramid.errors import UpstreamError
from novel_pyramid.jobs.models import Job
from novel_pyramid.normalizers.interfaces import INormalizer

SETTINGS = {
    "pipeline.max_pages": 2000,
    "pipeline.chunk_max_words": 50,
    "jobs.lease_seconds": 20.0,
    "jobs.heartbeat_seconds": 5.0,
    "jobs.sweep_seconds": 5.0,
}


@implementer(INormalizer)
class Recorder:
    """Upper-cases each sentence and remembers what it was asked; fails on sentences named in ``failing``."""

    name = "recorder"
    cache_key = "recorder"

    def __init__(self, failing=()):
        self.calls = []
        self.failing = set(failing)

    def normalize(self, sentences, limit):
        self.calls.append(list(sentences))
        if self.failing & set(sentences):
            raise UpstreamError("Gemini failed: 503 UNAVAILABLE")
        return [sentence.upper() for sentence in sentences]


def reload(dbsession, job_id):
    dbsession.expire_all()
    return dbsession.get(Job, job_id)
