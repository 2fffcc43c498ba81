"""The JSON of word lists and of what an ingestion found (docs/api.md, "Word lists")."""

from dataclasses import asdict

from novel_pyramid.db.types import isoformat


def wordlist_json(wordlist):
    """The frontend's WordList, with the counts of what the list's ingestion did not keep."""
    return {
        "id": wordlist.id,
        "owner_user_id": wordlist.owner_user_id,
        "name": wordlist.name,
        "source_type": wordlist.source_type,
        "source_ref": wordlist.source_ref,
        "normalized_count": wordlist.normalized_count,
        "canonical_samples": list(wordlist.canonical_samples),
        "is_global_default": wordlist.is_global_default,
        "fold_diacritics": wordlist.fold_diacritics,
        "version": wordlist.version,
        "original_count": wordlist.original_count,
        "duplicate_count": wordlist.duplicate_count,
        "junk_count": wordlist.junk_count,
        "created_at": isoformat(wordlist.created_at),
        "updated_at": isoformat(wordlist.updated_at),
    }


def wordlist_detail_json(wordlist):
    """One list read alone: also the duplicates and junk entries its ingestion named."""
    return {**wordlist_json(wordlist), "duplicates": list(wordlist.duplicates), "anomalies": list(wordlist.junk)}


def report_json(report):
    """An ``IngestionReport``: the frontend's fields, and full counts beside the (capped) lists."""
    return asdict(report)
