"""A small corpus whose learning set is known, and word lists written as the wordlists subsystem writes them."""

from sqlalchemy import func, select

from novel_pyramid.coverage.models import CoverageAssignment, CoverageRun
from novel_pyramid.credits.models import CreditEntry
from novel_pyramid.wordlists.models import WordList
from tests.factories import finished_job

# 0 and 1 cover the five words found in sentences of 3 to 8 words: the fewest sentences that do.
SENTENCES = [
    "Le chat mange.",
    "Le chien dort dans la maison.",
    "Le chat et le chien dorment dans la grande maison du village ce soir.",
    "Le chat dort.",
    "Bonjour !",
]
LISTED = ["bonjour", "chat", "chien", "dormir", "maison", "manger", "souris", "village"]
COVERED = {"chat", "chien", "dormir", "maison", "manger"}


def word_list(dbsession, owner_id=None, keys=LISTED, name="Mes mots", default=False):
    wordlist = WordList(
        owner_user_id=owner_id,
        name=name,
        source_type="manual",
        word_keys=sorted(keys),
        normalized_count=len(keys),
        canonical_samples=sorted(keys)[:20],
        original_count=len(keys),
        duplicate_count=0,
        junk_count=0,
        duplicates=[],
        junk=[],
        fold_diacritics=False,
        is_global_default=default,
        version=1 if default else None,
    )
    dbsession.add(wordlist)
    dbsession.commit()
    return wordlist


def book(dbsession, user_id, sentences=SENTENCES, filename="roman.pdf", status="completed"):
    """A finished job of ``user_id`` with ``sentences`` in two chunks, and its history entry."""
    middle = len(sentences) // 2
    chunks = [(part, part) for part in (sentences[:middle], sentences[middle:])]
    return finished_job(dbsession, user_id, chunks, filename=filename, status=status)


def counts(dbsession):
    """(runs, assignments, credit entries other than grants): what a refused request must leave unchanged."""
    dbsession.expire_all()
    runs = dbsession.scalar(select(func.count()).select_from(CoverageRun))
    assignments = dbsession.scalar(select(func.count()).select_from(CoverageAssignment))
    charges = dbsession.scalar(
        select(func.count()).select_from(CreditEntry).where(CreditEntry.reason != "monthly_grant")
    )
    return runs, assignments, charges
