"""``WordListService``: the one writer of ``word_lists`` (``IWordListService``)."""

from dataclasses import dataclass

from sqlalchemy import or_, select
from zope.interface import implementer

from novel_pyramid.accounts.interfaces import IAccountService
from novel_pyramid.db.types import utcnow
from novel_pyramid.errors import Conflict, Forbidden, NotFound
from novel_pyramid.exporters.google_auth import GoogleGrantRevoked
from novel_pyramid.pipeline.lemmas import entry_keys
from novel_pyramid.wordlists.defaults import install_default
from novel_pyramid.wordlists.ingestion import ingest
from novel_pyramid.wordlists.interfaces import IWordListService
from novel_pyramid.wordlists.models import REPORTED_ITEMS, SourceType, WordList
from novel_pyramid.wordlists.parsing import read_upload
from novel_pyramid.wordlists.sheets import read_sheet, spreadsheet_id_of

GLOBAL_READ_ONLY = "The global word lists are read-only: copy one into a list of your own to change it."
# The global default first, then the other global lists, then the user's own, newest first.
LISTED_ORDER = (
    WordList.is_global_default.desc(),
    WordList.owner_user_id.is_not(None),
    WordList.created_at.desc(),
    WordList.id.desc(),
)


def not_found(wordlist_id):
    return NotFound(f"Word list {wordlist_id} was not found.")


@implementer(IWordListService)
class WordListService:
    def __init__(self, session, settings, keys_for=entry_keys, accounts=None):
        self.session = session
        self.settings = settings
        self.keys_for = keys_for
        self.accounts = accounts

    @classmethod
    def create_service(cls, context, request):
        return cls(request.dbsession, request.registry.settings, accounts=request.find_service(IAccountService))

    # -- reading ------------------------------------------------------------------------
    def visible_to(self, user_id):
        query = select(WordList).where(or_(WordList.owner_user_id == user_id, WordList.owner_user_id.is_(None)))
        return list(self.session.scalars(query.order_by(*LISTED_ORDER)))

    def get_visible(self, user_id, wordlist_id):
        wordlist = self.session.get(WordList, wordlist_id)
        if wordlist is None or wordlist.owner_user_id not in (None, user_id):
            raise not_found(wordlist_id)
        return wordlist

    def get_own(self, user_id, wordlist_id):
        wordlist = self.get_visible(user_id, wordlist_id)
        if wordlist.is_global:
            raise Forbidden(GLOBAL_READ_ONLY)
        return wordlist

    def keys_of(self, wordlist):
        return list(wordlist.word_keys)

    def default_list(self):
        return self.session.scalar(select(WordList).where(WordList.is_global_default.is_(True)))

    def global_lists(self):
        query = select(WordList).where(WordList.owner_user_id.is_(None)).order_by(*LISTED_ORDER)
        return list(self.session.scalars(query))

    def global_stats(self):
        lists = self.global_lists()
        default = next((wordlist for wordlist in lists if wordlist.is_global_default), None)
        return {
            "total_global_wordlists": len(lists),
            "has_default": default is not None,
            "default_wordlist": None
            if default is None
            else {
                "id": default.id,
                "name": default.name,
                "normalized_count": default.normalized_count,
                "version": default.version,
            },
            "all_global_wordlists": [
                {
                    "id": wordlist.id,
                    "name": wordlist.name,
                    "normalized_count": wordlist.normalized_count,
                    "is_default": wordlist.is_global_default,
                    "version": wordlist.version,
                }
                for wordlist in lists
            ],
        }

    # -- writing ------------------------------------------------------------------------
    def create(self, user_id, name, entries, *, source_type, source_ref=None, fold_diacritics=None, field="words"):
        fold = self.settings["wordlists.fold_diacritics"] if fold_diacritics is None else fold_diacritics
        made = self._ingest(entries, fold, field)
        wordlist = WordList(owner_user_id=user_id, name=name, source_type=source_type, source_ref=source_ref)
        _fill(wordlist, made, fold)
        self.session.add(wordlist)
        self.session.flush()
        return wordlist, made.report

    def create_from_upload(self, user_id, name, upload, *, fold_diacritics=None):
        entries = read_upload(upload, self.settings["wordlists.max_upload_bytes"], field="file")
        filename = (upload.filename or "").strip() or "upload"
        return self.create(
            user_id,
            name or filename,
            entries,
            source_type=SourceType.CSV,
            source_ref=filename,
            fold_diacritics=fold_diacritics,
            field="file",
        )

    def create_from_sheet(self, user, name, sheet, *, fold_diacritics=None, include_header=True, field="sheet_url"):
        spreadsheet_id = spreadsheet_id_of(sheet, field)
        entries = self._read_sheet(user, spreadsheet_id, include_header=include_header, field=field)
        return self.create(
            user.id,
            name,
            entries,
            source_type=SourceType.GOOGLE_SHEET,
            source_ref=spreadsheet_id,
            fold_diacritics=fold_diacritics,
            field=field,
        )

    def _read_sheet(self, user, spreadsheet_id, **options):
        try:
            return read_sheet(user, self.settings, spreadsheet_id, **options)
        except GoogleGrantRevoked:
            # Until they sign in again the user holds no grant, as after an export that found it revoked.
            if self.accounts is not None:
                self.accounts.forget_revoked_google_grant(user)
            raise

    def rename(self, user_id, wordlist_id, name):
        wordlist = self.get_own(user_id, wordlist_id)
        wordlist.name = name
        wordlist.updated_at = utcnow()
        self.session.flush()
        return wordlist

    def delete(self, user_id, wordlist_id):
        wordlist = self.get_own(user_id, wordlist_id)
        self.session.delete(wordlist)
        self.session.flush()
        # The user's settings, which accounts owns, must not keep pointing at the list.
        owner = _Owner(user_id)
        if self.accounts is not None and self.accounts.settings_of(owner).default_wordlist_id == wordlist_id:
            self.accounts.update_settings(owner, {"default_wordlist_id": None})

    def refresh(self, user, wordlist_id, *, include_header=True):
        wordlist = self.get_own(user.id, wordlist_id)
        if wordlist.source_type != SourceType.GOOGLE_SHEET or not wordlist.source_ref:
            raise Conflict("Only a list made from a Google Sheet can be refreshed: this one has no sheet to read.")
        entries = self._read_sheet(user, wordlist.source_ref, include_header=include_header, field="id")
        made = self._ingest(entries, wordlist.fold_diacritics, "id")
        _fill(wordlist, made, wordlist.fold_diacritics)
        wordlist.updated_at = utcnow()
        self.session.flush()
        report = {"status": "refreshed", "word_count": wordlist.normalized_count, "source": wordlist.source_type}
        return wordlist, {**report, "ingestion_report": made.report}

    def install_default(self, shipped):
        return install_default(self.session, shipped)

    def _ingest(self, entries, fold, field):
        return ingest(
            entries,
            keys_for=self.keys_for,
            fold_diacritics=fold,
            max_entries=self.settings["wordlists.max_entries"],
            field_name=field,
        )


@dataclass(frozen=True)
class _Owner:
    """What the accounts service needs of a user: the id."""

    id: int


def _fill(wordlist, made, fold):
    report = made.report
    wordlist.word_keys = made.keys
    wordlist.normalized_count = len(made.keys)
    wordlist.canonical_samples = made.samples
    wordlist.original_count = report.original_count
    wordlist.duplicate_count = report.duplicate_count
    wordlist.junk_count = report.junk_count
    wordlist.duplicates = report.duplicates[:REPORTED_ITEMS]
    wordlist.junk = report.anomalies[:REPORTED_ITEMS]
    wordlist.fold_diacritics = fold
