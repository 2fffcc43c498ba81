"""From a keyed corpus to a run's results, on corpora whose answer is known (no language model needed)."""

from novel_pyramid.coverage.building import (
    IN_VALID_BUT_MISSED,
    NOT_IN_CORPUS,
    ONLY_IN_LONG,
    ONLY_IN_SHORT,
    Corpus,
    build_coverage,
    build_filter,
    categorise,
    entry_for,
    reassign,
)
from novel_pyramid.coverage.schemas import config_with_defaults
from novel_pyramid.pipeline.lemmas import Word


def keyed(*sentences, source="7"):
    """A corpus of sentences given as space-separated keys; each surface is its key in capitals."""
    words = [[Word(key, key.upper()) for key in sentence.split()] for sentence in sentences]
    return Corpus(list(sentences), [source] * len(sentences), words)


COVERAGE = config_with_defaults("coverage", {})


def test_the_fewest_sentences_cover_every_word_the_corpus_has():
    # After "a d e f", "a b c" and "b c d" each add two; the tie goes to the earlier.
    corpus = keyed("a b c", "a d e f", "b c d", "e f g h i j k l m n", "z")

    outcome = build_coverage(corpus, {"a", "b", "c", "d", "e", "f", "n", "z", "q"}, COVERAGE)

    assert [entry["sentence_index"] for entry in outcome.learning_set] == [1, 0]
    assert {row["word_key"]: row["sentence_index"] for row in outcome.assignments} == {
        "a": 1,
        "d": 1,
        "e": 1,
        "f": 1,
        "b": 0,
        "c": 0,
    }
    assert outcome.uncovered == {"n": ONLY_IN_LONG, "z": ONLY_IN_SHORT, "q": NOT_IN_CORPUS}
    assert outcome.stats["words_total"] == 9 and outcome.stats["words_covered"] == 6
    assert outcome.stats["coverage_percentage"] == 66.67


def test_each_entry_says_what_it_teaches():
    corpus = keyed("a b x")

    (entry,) = build_coverage(corpus, {"a", "b"}, COVERAGE).learning_set

    assert entry == {
        "rank": 1,
        "sentence": "a b x",
        "sentence_text": "a b x",
        "sentence_index": 0,
        "token_count": 3,
        "new_words_covered": ["a", "b"],
        "new_word_count": 2,
        "all_matched_words": ["a", "b"],
        "score": 0.667,
        "source_id": "7",
    }


def test_a_cap_keeps_the_sentences_teaching_most_and_says_what_it_left():
    corpus = keyed("a b c", "d e x", "f x x")

    outcome = build_coverage(corpus, set("abcdef"), {**COVERAGE, "target_count": 2})

    assert [entry["sentence_index"] for entry in outcome.learning_set] == [0, 1]
    assert outcome.uncovered == {"f": IN_VALID_BUT_MISSED}


def test_the_filter_keeps_sentences_mostly_made_of_listed_words_best_first():
    corpus = keyed("a b x", "a b c", "a x x", "a b c d e f g h i")

    outcome = build_filter(corpus, set("abc"), config_with_defaults("filter", {"min_in_list_ratio": 0.6}))

    assert [(entry["sentence_index"], entry["score"]) for entry in outcome.learning_set] == [(1, 1.0), (0, 0.667)]
    assert [row["word_key"] for row in outcome.assignments] == ["filter_sentence_1", "filter_sentence_0"]
    assert outcome.stats["selected_count"] == 2 and outcome.stats["total_sentences"] == 4


def test_categories_of_words_found_in_short_and_long_sentences_only():
    corpus = keyed("a", "a b c d e f g h i j")

    assert categorise(corpus, {"a", "b"}, 3, 8) == {"a": ONLY_IN_LONG, "b": ONLY_IN_LONG}
    assert categorise(corpus, {"a"}, 1, 8) == {"a": IN_VALID_BUT_MISSED}


def test_a_swap_moves_the_word_and_ranks_again():
    corpus = keyed("a b c", "d e x", "a z z")
    learning_set = build_coverage(corpus, set("abcde"), COVERAGE).learning_set
    new_entry = entry_for("a z z", "7", corpus.words[2], 2, set("abcde"))

    moved = reassign(learning_set, "a", 0, 2, new_entry)

    assert [(entry["rank"], entry["sentence_index"], entry["new_words_covered"]) for entry in moved] == [
        (1, 0, ["b", "c"]),
        (2, 1, ["d", "e"]),
        (3, 2, ["a"]),
    ]
    back = reassign(moved, "a", 2, 0, None)
    assert [(entry["sentence_index"], entry["new_words_covered"]) for entry in back] == [
        (0, ["a", "b", "c"]),
        (1, ["d", "e"]),
    ]


def test_each_source_is_sliced_for_keying_from_its_own_first_sentence(monkeypatch):
    from novel_pyramid.coverage import corpus as corpus_module

    monkeypatch.setattr(corpus_module, "KEYING_SLICE", 2)
    batch = Corpus(list("abcdefg"), ["1", "1", "1", "2", "2", "2", "2"])

    assert corpus_module.keying_slices(batch) == [(0, 2), (2, 3), (3, 5), (5, 7)]
    alone = Corpus(list("defg"), ["2"] * 4)
    assert corpus_module.keying_slices(alone) == [(0, 2), (2, 4)]
