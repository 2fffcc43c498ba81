"""What the API does with coverage runs: start, read, swap, export; and sentences imported from a sheet.

Every lookup is scoped to the user: another user's run, source or word list is
"not found". Starting commits the run and its charge in a short transaction of
its own, then sends the run's task (``db.own_transaction``), as jobs do, so a
worker finds the run and a broker that is down takes everything back.
"""

import dataclasses

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from zope.interface import implementer

from novel_pyramid.accounts.interfaces import IAccountService
from novel_pyramid.coverage.building import FILTER_KEY_PREFIX, entry_for, reassign, source_breakdown
from novel_pyramid.coverage.corpus import check_source, read_corpus, words_of_sentence
from novel_pyramid.coverage.events import announce, announce_after_commit
from novel_pyramid.coverage.interfaces import ICoverageService
from novel_pyramid.coverage.ledger import ledger_key
from novel_pyramid.coverage.models import CoverageAssignment, CoverageRun, RunMode, RunStatus
from novel_pyramid.coverage.schemas import config_with_defaults
from novel_pyramid.coverage.sentence_keys import ISentenceKeyStore
from novel_pyramid.coverage.sheet_import import FIELD as SHEET_FIELD
from novel_pyramid.coverage.sheet_import import import_filename, sentences_of_rows
from novel_pyramid.coverage.tasks import run_task
from novel_pyramid.credits.interfaces import ICreditService
from novel_pyramid.db import own_transaction
from novel_pyramid.db.types import new_uuid
from novel_pyramid.errors import Conflict, InvalidInput, NotFound
from novel_pyramid.exporters import get_exporter
from novel_pyramid.exporters.google_auth import GoogleGrantRevoked, require_sheets_grant
from novel_pyramid.exporters.interfaces import ExportSource, SentenceRow
from novel_pyramid.exporters.sheet_reading import read_first_tab, spreadsheet_id_of
from novel_pyramid.history.interfaces import IHistoryService
from novel_pyramid.jobs.detail_interfaces import IJobDetails
from novel_pyramid.jobs.interfaces import IJobService
from novel_pyramid.tasks import blank_request
from novel_pyramid.tasks.interfaces import ITaskSender
from novel_pyramid.wordlists.interfaces import IWordListService

SHEETS_EXPORTER = "google_sheets"


def _invalid(field, message):
    return InvalidInput(message, details={field: [message]})


@implementer(ICoverageService)
@dataclasses.dataclass
class CoverageService:
    """Runs of one request: ``db`` is the request's session; ``session_factory`` serves what commits apart."""

    db: Session
    session_factory: sessionmaker
    registry: object
    tasks: ITaskSender
    jobs: IJobService
    details: IJobDetails
    history: IHistoryService
    wordlists: IWordListService
    accounts: IAccountService
    keys: ISentenceKeyStore

    @classmethod
    def create_service(cls, context, request):
        registry = request.registry
        return cls(
            request.dbsession,
            registry["db.session_factory"],
            registry,
            request.find_service(ITaskSender),
            request.find_service(IJobService),
            request.find_service(IJobDetails),
            request.find_service(IHistoryService),
            request.find_service(IWordListService),
            request.find_service(IAccountService),
            request.find_service(ISentenceKeyStore),
        )

    def price(self, mode, source_count):
        cost = self.registry.settings["coverage.run_cost"]
        return cost * source_count if mode == RunMode.BATCH else cost

    # -- starting -----------------------------------------------------------------------

    def start(self, user, body):
        self.tasks.refuse_while_down()
        mode, source_type = body["mode"], body["source_type"]
        # Stored as text: a job's id is a UUID, a history entry's a number (turned back into one on the wire).
        source_ids = [str(value) for value in (body["source_ids"] if mode == RunMode.BATCH else [body["source_id"]])]
        for source_id in source_ids:
            check_source(self.jobs, self.history, user.id, source_type, source_id)
        wordlist = self._wordlist(user, body.get("wordlist_id"))
        word_keys = sorted(self.wordlists.keys_of(wordlist))
        if not word_keys:
            raise _invalid("wordlist_id", f"The word list {wordlist.id} has no words to cover.")
        config = config_with_defaults(mode, body["config"])
        if config["len_min"] > config["len_max"]:
            raise _invalid("config", f"len_min ({config['len_min']}) is above len_max ({config['len_max']}).")
        cost = self.price(mode, len(source_ids))
        task_id = new_uuid()
        with own_transaction(self.session_factory) as (manager, db):
            run = CoverageRun(
                user_id=user.id,
                mode=mode,
                source_type=source_type,
                source_id=source_ids[0],
                source_ids=source_ids,
                wordlist_id=wordlist.id,
                word_keys=word_keys,
                fold_diacritics=bool(getattr(wordlist, "fold_diacritics", False)),
                config=config,
                credits_charged=cost,
                celery_task_id=task_id,
            )
            db.add(run)
            db.flush()
            run_id = run.id
            # Short of credits: this raises, and the transaction writes nothing, the run included.
            self._credits_of(db).reserve(
                user.id,
                cost,
                ledger_key(run_id),
                description=f"Coverage run {run_id} ({mode}, {len(source_ids)} source(s))",
            )
            outcome = self.tasks.send_after_commit(manager, [run_task(run_id, task_id)])
        if outcome.error is not None:
            with own_transaction(self.session_factory) as (_, db):
                # The ledger only grows: the charge is given back, then the run goes.
                self._credits_of(db).refund(ledger_key(run_id))
                db.execute(CoverageRun.__table__.delete().where(CoverageRun.id == run_id))
            outcome.raise_for_error()
        announce(self.registry, run_id)
        return self.load(run_id)

    def _wordlist(self, user, wordlist_id):
        if wordlist_id is not None:
            return self.wordlists.get_visible(user.id, wordlist_id)
        chosen = self.accounts.settings_of(user).default_wordlist_id
        if chosen:
            try:
                return self.wordlists.get_visible(user.id, chosen)
            except NotFound:
                pass  # the list of the user's settings is gone: the global default serves
        default = self.wordlists.default_list()
        if default is None:
            raise NotFound(
                "No word list was named and there is no default list: name one.",
                details={"wordlist_id": ["No default word list: name one"]},
            )
        return default

    def _credits_of(self, db):
        request = blank_request(self.registry)
        request.dbsession = db
        return request.find_service(ICreditService)

    def load(self, run_id):
        """The run as committed now, read apart."""
        with own_transaction(self.session_factory) as (_, db):
            run = db.get(CoverageRun, run_id)
            if run is not None:
                db.expunge(run)
            return run

    # -- reading ------------------------------------------------------------------------

    def get(self, user_id, run_id):
        run = self.db.scalar(select(CoverageRun).where(CoverageRun.id == run_id, CoverageRun.user_id == user_id))
        if run is None:
            raise NotFound("Coverage run not found")
        return run

    def page(self, user_id, *, limit, before_id=None):
        query = select(CoverageRun).where(CoverageRun.user_id == user_id)
        if before_id is not None:
            query = query.where(CoverageRun.id < before_id)
        runs = self.db.scalars(query.order_by(CoverageRun.id.desc()).limit(limit + 1)).all()
        return runs[:limit], len(runs) > limit

    def assignments(self, run, *, offset, limit):
        where = CoverageAssignment.run_id == run.id
        total = self.db.scalar(select(func.count()).select_from(CoverageAssignment).where(where))
        items = self.db.scalars(
            select(CoverageAssignment).where(where).order_by(CoverageAssignment.id).offset(offset).limit(limit)
        ).all()
        return items, total

    def completed(self, user_id, run_id):
        run = self.get(user_id, run_id)
        if run.status != RunStatus.COMPLETED:
            raise Conflict(f"The coverage run is {run.status}; this is available once it has completed.")
        return run

    # -- changing -----------------------------------------------------------------------

    def swap(self, user_id, run_id, word_key, sentence_index):
        run = self.completed(user_id, run_id)
        if run.mode == RunMode.FILTER or word_key.startswith(FILTER_KEY_PREFIX):
            raise Conflict("A filter run picks sentences, not a sentence per word: there is no word to swap.")
        assignment = self.db.scalar(
            select(CoverageAssignment).where(
                CoverageAssignment.run_id == run.id, CoverageAssignment.word_key == word_key
            )
        )
        if assignment is None:
            raise NotFound(f"The run covers no word {word_key!r}.")
        corpus = read_corpus(self.jobs, self.details, user_id, run.source_type, run.source_ids)
        if sentence_index >= len(corpus.texts):
            raise _invalid(
                "new_sentence_index",
                f"The run's sources have {len(corpus.texts)} sentences; {sentence_index} is not one of them.",
            )
        text, source = corpus.texts[sentence_index], corpus.sources[sentence_index]
        # Keyed as the run keyed it: its keys were kept, so nothing is parsed again.
        words = words_of_sentence(self.keys, corpus, sentence_index, run.fold_diacritics)
        surface = next((word.surface for word in words if word.key == word_key), None)
        if surface is None:
            raise _invalid(
                "new_sentence_index",
                f"Sentence {sentence_index} does not contain {word_key!r}; choose a sentence that does.",
            )
        if assignment.sentence_index == sentence_index:
            return assignment
        new_entry = entry_for(text, source, words, sentence_index, run.word_keys)
        run.learning_set = reassign(
            run.learning_set or [], word_key, assignment.sentence_index, sentence_index, new_entry
        )
        scores = {entry["sentence_index"]: entry["score"] for entry in run.learning_set}
        run.stats = {
            **(run.stats or {}),
            "selected_sentence_count": len(run.learning_set),
            "learning_set_count": len(run.learning_set),
            "source_breakdown": source_breakdown(run.learning_set),
        }
        assignment.sentence_index = sentence_index
        assignment.sentence_text = text
        assignment.matched_surface = surface
        assignment.sentence_score = scores[sentence_index]
        assignment.source_id = source
        assignment.manual_edit = True
        self.db.flush()
        announce_after_commit(self.registry, self.db, run.id)
        return assignment

    def export(self, user, run_id, sheet_name, folder_id=None):
        run = self.completed(user.id, run_id)
        learning_set = run.learning_set or []
        if not learning_set:
            raise Conflict("The run's learning set is empty: there is nothing to export.")
        require_sheets_grant(user)
        exporter = get_exporter(self.registry, SHEETS_EXPORTER)
        options = exporter.options_schema.deserialize(
            {"title": sheet_name, **({"folder_id": folder_id} if folder_id else {})}
        )
        source = ExportSource(
            title=sheet_name,
            sentence_count=len(learning_set),
            rows=lambda: (SentenceRow(entry["rank"], entry["sentence"]) for entry in learning_set),
        )
        try:
            return exporter.export(source, options, user)
        except GoogleGrantRevoked:
            # Until they sign in again the user holds no grant, as after any export that found it revoked.
            self.accounts.forget_revoked_google_grant(user)
            raise

    # -- importing ----------------------------------------------------------------------

    def import_from_sheet(self, user, sheet_url):
        spreadsheet_id = spreadsheet_id_of(sheet_url, SHEET_FIELD)
        settings = self.registry.settings
        try:
            tab = read_first_tab(user, settings, spreadsheet_id, field=SHEET_FIELD, action="read the sentences")
        except GoogleGrantRevoked:
            self.accounts.forget_revoked_google_grant(user)
            raise
        sentences = sentences_of_rows(tab.rows, settings["coverage.import_max_sentences"])
        return self.history.record_import(user.id, import_filename(tab.spreadsheet_title), sentences)
