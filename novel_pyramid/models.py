"""Every model, imported in one place so Alembic and tests see the whole schema."""

from novel_pyramid.accounts.models import User, UserSettings  # noqa: F401
from novel_pyramid.auth.models import AuthSession  # noqa: F401
from novel_pyramid.coverage.models import CoverageAssignment, CoverageRun  # noqa: F401
from novel_pyramid.coverage.sentence_keys import KeptSentenceKeys  # noqa: F401
from novel_pyramid.credits.models import CreditBalance, CreditEntry  # noqa: F401
from novel_pyramid.db import ModelBase  # noqa: F401
from novel_pyramid.estimates.models import IssuedEstimate, KeptExtraction  # noqa: F401
from novel_pyramid.history.models import HistoryEntry  # noqa: F401
from novel_pyramid.jobs.models import ChunkResult, ChunkStatus, Job, JobChunk, JobStatus, JobUpload  # noqa: F401
from novel_pyramid.wordlists.models import WordList  # noqa: F401
