"""What a run's task does: read the corpus, key its sentences, cover or filter, write the results.

Each step commits in a short transaction of its own and is announced
(``CoverageRunChanged``), so a follower sees the run move from reading to
keying, covering and writing. Keying goes through the sentence key store,
which keeps each text's keys: a second run over the same book parses nothing.

Celery may deliver the task more than once: a run that has ended is left
alone, the move to "processing" is a conditional UPDATE, and the last step
replaces whatever assignments an earlier delivery wrote and ends the run only
if it is still processing (a cancel in between wins). A run that fails gives
its credits back.
"""

import dataclasses
import logging
import time

from sqlalchemy import delete, update
from zope.interface import implementer

from novel_pyramid.coverage.building import build_coverage, build_filter
from novel_pyramid.coverage.corpus import key_corpus, read_corpus
from novel_pyramid.coverage.events import announce
from novel_pyramid.coverage.interfaces import ICoverageRunner
from novel_pyramid.coverage.ledger import ledger_key
from novel_pyramid.coverage.models import CoverageAssignment, CoverageRun, RunMode, RunStatus, RunStep
from novel_pyramid.coverage.sentence_keys import ISentenceKeyStore
from novel_pyramid.credits.interfaces import ICreditService
from novel_pyramid.db import own_transaction
from novel_pyramid.db.types import utcnow
from novel_pyramid.errors import AppError
from novel_pyramid.jobs.detail_interfaces import IJobDetails
from novel_pyramid.jobs.interfaces import IJobService
from novel_pyramid.tasks import blank_request

log = logging.getLogger(__name__)

# Where the progress bar stands as each step starts.
STEP_PERCENT = {RunStep.READING: 5, RunStep.KEYING: 15, RunStep.COVERING: 60, RunStep.WRITING: 85}
INTERNAL_ERROR_MESSAGE = "The coverage run failed unexpectedly; its credits were given back."


@implementer(ICoverageRunner)
class CoverageRunner:
    def __init__(self, session_factory, registry):
        self.session_factory = session_factory
        self.registry = registry

    @classmethod
    def create_service(cls, context, request):
        return cls(request.registry["db.session_factory"], request.registry)

    def _services(self, db):
        """A request of this registry on ``db``, to find the services of its transaction."""
        request = blank_request(self.registry)
        request.dbsession = db
        return request

    def run(self, run_id):
        with own_transaction(self.session_factory) as (_, db):
            run = db.get(CoverageRun, run_id)
            if run is None or RunStatus(run.status).is_final:
                return
            db.execute(
                update(CoverageRun)
                .where(CoverageRun.id == run_id, CoverageRun.status.in_((RunStatus.PENDING, RunStatus.PROCESSING)))
                .values(
                    status=RunStatus.PROCESSING,
                    step=RunStep.READING,
                    progress_percent=STEP_PERCENT[RunStep.READING],
                    started_at=run.started_at or utcnow(),
                )
            )
            facts = _Facts.of(run)
        announce(self.registry, run_id)
        try:
            self._carry_out(run_id, facts)
        except AppError as error:
            # A source deleted since the run was asked for, or a list emptied: said in our words.
            log.info("Coverage run %s failed: %s", run_id, error.message)
            self.fail(run_id, error.message)

    def _carry_out(self, run_id, facts):
        started = time.perf_counter()
        with own_transaction(self.session_factory) as (_, db):
            request = self._services(db)
            corpus = read_corpus(
                request.find_service(IJobService),
                request.find_service(IJobDetails),
                facts.user_id,
                facts.source_type,
                facts.source_ids,
            )
        if not self._step(run_id, RunStep.KEYING):
            return
        with own_transaction(self.session_factory) as (_, db):
            store = self._services(db).find_service(ISentenceKeyStore)
            corpus = key_corpus(store, corpus, facts.fold_diacritics, progress=self._keying_progress(run_id))
        keyed = time.perf_counter()
        if not self._step(run_id, RunStep.COVERING):
            return
        build = build_filter if facts.mode == RunMode.FILTER else build_coverage
        outcome = build(corpus, facts.word_keys, facts.config)
        covered = time.perf_counter()
        if not self._step(run_id, RunStep.WRITING):
            return
        stats = {
            **outcome.stats,
            "keying_seconds": round(keyed - started, 3),
            "covering_seconds": round(covered - keyed, 3),
        }
        self._finish(run_id, facts, outcome, stats)

    def _keying_progress(self, run_id):
        """``progress(share)``: move the bar through the keying step as slices are keyed, announcing each move."""
        first, last = STEP_PERCENT[RunStep.KEYING], STEP_PERCENT[RunStep.COVERING]
        shown = [first]

        def progress(share):
            percent = first + int((last - first) * share)
            if percent > shown[0] and percent < last:
                shown[0] = percent
                with own_transaction(self.session_factory) as (_, db):
                    db.execute(
                        update(CoverageRun)
                        .where(CoverageRun.id == run_id, CoverageRun.status == RunStatus.PROCESSING)
                        .values(progress_percent=percent)
                    )
                announce(self.registry, run_id)

        return progress

    def _step(self, run_id, step):
        """Record the step the run starts; False when the run is no longer processing (cancelled meanwhile)."""
        with own_transaction(self.session_factory) as (_, db):
            moved = db.execute(
                update(CoverageRun)
                .where(CoverageRun.id == run_id, CoverageRun.status == RunStatus.PROCESSING)
                .values(step=step, progress_percent=STEP_PERCENT[step])
            ).rowcount
        announce(self.registry, run_id)
        return bool(moved)

    def _finish(self, run_id, facts, outcome, stats):
        with own_transaction(self.session_factory) as (_, db):
            ended = db.execute(
                update(CoverageRun)
                .where(CoverageRun.id == run_id, CoverageRun.status == RunStatus.PROCESSING)
                .values(
                    status=RunStatus.COMPLETED,
                    step=RunStep.FINISHED,
                    progress_percent=100,
                    stats=stats,
                    learning_set=outcome.learning_set,
                    uncovered=outcome.uncovered,
                    completed_at=utcnow(),
                )
            ).rowcount
            if not ended:
                return
            # An earlier delivery of this task may have written some already.
            db.execute(delete(CoverageAssignment).where(CoverageAssignment.run_id == run_id))
            if outcome.assignments:
                db.execute(
                    CoverageAssignment.__table__.insert(),
                    [{"run_id": run_id, "manual_edit": False, **row} for row in outcome.assignments],
                )
            credits = self._services(db).find_service(ICreditService)
            credits.settle(ledger_key(run_id), facts.credits_charged)
        announce(self.registry, run_id)

    def fail(self, run_id, message):
        with own_transaction(self.session_factory) as (_, db):
            ended = db.execute(
                update(CoverageRun)
                .where(CoverageRun.id == run_id, CoverageRun.status.in_((RunStatus.PENDING, RunStatus.PROCESSING)))
                .values(
                    status=RunStatus.FAILED,
                    step=RunStep.FINISHED,
                    error_message=message or INTERNAL_ERROR_MESSAGE,
                    completed_at=utcnow(),
                )
            ).rowcount
            if ended:
                self._services(db).find_service(ICreditService).refund(ledger_key(run_id))
        if ended:
            announce(self.registry, run_id)


@dataclasses.dataclass(frozen=True)
class _Facts:
    """What the steps need of the run, read once (its row is not held across transactions)."""

    user_id: int
    mode: str
    source_type: str
    source_ids: list
    word_keys: frozenset
    fold_diacritics: bool
    config: dict
    credits_charged: int

    @classmethod
    def of(cls, run):
        return cls(
            run.user_id,
            run.mode,
            run.source_type,
            list(run.source_ids),
            frozenset(run.word_keys),
            run.fold_diacritics,
            dict(run.config),
            run.credits_charged,
        )
