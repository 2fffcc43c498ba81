"""Entries to keys: duplicates, junk, variants and blank lines counted; too few or too many refused."""

import pytest

from novel_pyramid.errors import InvalidInput
from novel_pyramid.pipeline.lemmas import entry_keys
from novel_pyramid.wordlists.ingestion import MAX_ENTRY_LENGTH, Entry, ingest
from novel_pyramid.wordlists.models import REPORTED_ITEMS, SAMPLE_SIZE


def lower_keys(texts, *, fold_diacritics=False):
    """A stand-in keying: the lower-cased text, None for digits (the real one is tested below)."""
    return [None if text.isdigit() else text.lower() for text in texts]


def run(entries, max_entries=100, keys_for=lower_keys, fold_diacritics=False):
    return ingest(
        entries, keys_for=keys_for, fold_diacritics=fold_diacritics, max_entries=max_entries, field_name="words"
    )


def test_every_entry_is_a_key_a_duplicate_junk_or_a_blank_line():
    made = run(["Chat", "chat", "", "12", "un|une", "avoir / être", "\u200b"])

    report = made.report
    assert made.keys == ["chat", "un", "une", "avoir", "être"]
    assert (report.original_count, report.normalized_count, report.duplicate_count, report.junk_count) == (7, 5, 1, 1)
    assert report.blank_lines == 2 and report.variants_expanded == 2
    assert report.duplicates == [{"word": "chat", "normalized": "chat", "line": 2}]
    assert report.anomalies == [{"word": "12", "issue": "not_a_word", "line": 4}]
    assert report.original_count == report.normalized_count + report.duplicate_count + report.junk_count


def test_an_overlong_entry_is_junk_without_reaching_the_lemmatiser():
    seen = []

    def keys_for(texts, **kwargs):
        seen.extend(texts)
        return lower_keys(texts)

    made = run(["chat", "x" * (MAX_ENTRY_LENGTH + 1)], keys_for=keys_for)
    assert seen == ["chat"]
    assert made.report.anomalies[0]["issue"] == "too_long"


def test_the_lists_in_the_report_are_capped_and_the_counts_are_not():
    made = run(["chat"] * (REPORTED_ITEMS + 50) + ["1"] * (REPORTED_ITEMS + 5), max_entries=10_000)

    assert made.report.duplicate_count == REPORTED_ITEMS + 49 and len(made.report.duplicates) == REPORTED_ITEMS
    assert made.report.junk_count == REPORTED_ITEMS + 5 and len(made.report.anomalies) == REPORTED_ITEMS


def test_samples_are_the_first_keys_in_the_lists_order():
    made = run([f"mot{chr(97 + n % 26)}{n}" for n in range(40)])
    assert made.samples == made.keys[:SAMPLE_SIZE] and made.samples[0] == "mota0"


@pytest.mark.parametrize(
    ("entries", "message"),
    [([], "no words"), (["", " "], "no words"), (["1", "2"], "None of the 2 entries"), (["a"] * 101, "at most 100")],
)
def test_no_word_or_too_many_is_refused(entries, message):
    with pytest.raises(InvalidInput) as refused:
        run(entries)
    assert message in refused.value.message and "words" in refused.value.details


def test_entries_from_a_file_keep_their_line_numbers():
    made = run([Entry("chat", 3), Entry("7", 9)])
    assert made.report.anomalies == [{"word": "7", "issue": "not_a_word", "line": 9}]


def test_with_the_real_keying_forms_elisions_and_plurals_meet_their_lemma():
    made = run(["l'homme", "hommes", "Mangeons", "manger", "chevaux", "cheval", "qu'il"], keys_for=entry_keys)

    assert made.keys == ["homme", "manger", "cheval", "que"]
    assert made.report.duplicate_count == 3


def test_folding_is_the_lists_choice():
    assert run(["été"], keys_for=entry_keys, fold_diacritics=True).keys == ["ete"]
    assert run(["été"], keys_for=entry_keys).keys == ["été"]
