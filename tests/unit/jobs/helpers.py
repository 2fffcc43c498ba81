"""What the job runner tests share: a recording normaliser and a fresh read of a job."""

from zope.interface import implementer

from novel_pyramid.errors import UpstreamError
from novel_pyramid.jobs.models import Job
from novel_pyramid.normalizers.interfaces import INormalizer
from novel_pyramid.normalizers.results import Rewrite
from novel_pyramid.pipeline import ProcessingOptions
from novel_pyramid.pipeline.words import count_words

SETTINGS = {
    "pipeline.max_pages": 2000,
    "pipeline.chunk_max_words": 50,
    "jobs.lease_seconds": 20.0,
    "jobs.heartbeat_seconds": 5.0,
    "jobs.sweep_seconds": 5.0,
}


@implementer(INormalizer)
class Recorder:
    """Upper-cases each sentence and remembers what it was asked; fails on sentences named in ``failing``.

    Its usage: a token a word read, two a word written, one call a chunk.
    ``options`` and ``models`` record the options and model of each call.
    """

    name = "recorder"
    cache_key = "recorder"

    def __init__(self, failing=()):
        self.calls = []
        self.options = []
        self.models = []
        self.failing = set(failing)

    def rewrite(self, sentences, limit, options=ProcessingOptions(), model=None):
        self.calls.append(list(sentences))
        self.options.append(options)
        self.models.append(model)
        if self.failing & set(sentences):
            raise UpstreamError("Gemini failed: 503 UNAVAILABLE")
        words = sum(count_words(sentence) for sentence in sentences)
        return Rewrite([sentence.upper() for sentence in sentences], list(range(len(sentences))), words, 2 * words, 1)


def reload(dbsession, job_id):
    dbsession.expire_all()
    return dbsession.get(Job, job_id)
