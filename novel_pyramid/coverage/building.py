"""From a keyed corpus to a run's results: assignments, learning set, statistics and why words were missed.

Pure functions of the corpus (its texts, the keyed words of each sentence and
the source of each), the run's word keys and its config; the runner stores what
they return. The algorithms themselves live in ``coverage.algorithms``.
"""

import dataclasses

from novel_pyramid.coverage.algorithms import MIN_SHARE_BY_LENGTH, Candidate, cover, filter_candidates

NOT_IN_CORPUS = "not_in_corpus"
ONLY_IN_LONG = "only_in_long_sentences"
ONLY_IN_SHORT = "only_in_short_sentences"
IN_VALID_BUT_MISSED = "in_valid_but_missed"
CATEGORIES = (NOT_IN_CORPUS, ONLY_IN_LONG, ONLY_IN_SHORT, IN_VALID_BUT_MISSED)
# The filter mode's rows are sentences, not words: each gets a key of its own.
FILTER_KEY_PREFIX = "filter_sentence_"


@dataclasses.dataclass(frozen=True)
class Corpus:
    """The sentences of a run's sources, one after another, and the source each came from."""

    texts: list
    sources: list
    # The keyed words of each sentence (``pipeline.lemmas.Word``), once keyed.
    words: list = None

    def keyed(self, words):
        return dataclasses.replace(self, words=words)


@dataclasses.dataclass(frozen=True)
class Outcome:
    assignments: list
    learning_set: list
    stats: dict
    uncovered: dict


def _candidate(corpus, index):
    # The text is the signature: a sentence repeated in the book is one sentence to a learner.
    return Candidate.of(index, [word.key for word in corpus.words[index]], signature=corpus.texts[index])


def _surface_of(words, key):
    return next((word.surface for word in words if word.key == key), None)


def _entry(corpus, index, rank, new_words, targets):
    words = corpus.words[index]
    matched = sorted({word.key for word in words} & targets)
    token_count = len(words)
    return {
        "rank": rank,
        "sentence": corpus.texts[index],
        "sentence_text": corpus.texts[index],
        "sentence_index": index,
        "token_count": token_count,
        "new_words_covered": sorted(new_words),
        "new_word_count": len(new_words),
        "all_matched_words": matched,
        "score": round(len(matched) / token_count, 3) if token_count else None,
        "source_id": corpus.sources[index],
    }


def build_coverage(corpus, targets, config):
    """The fewest sentences of ``len_min``..``len_max`` words that cover the listed words the corpus has."""
    targets = frozenset(targets)
    len_min, len_max = config["len_min"], config["len_max"]
    candidates = [
        _candidate(corpus, index) for index, words in enumerate(corpus.words) if len_min <= len(words) <= len_max
    ]
    result = cover(candidates, targets, max_length=len_max)
    by_sentence = {}
    for key, index in result.assignment.items():
        by_sentence.setdefault(index, set()).add(key)
    chosen = [index for index in result.chosen if by_sentence.get(index)]
    limit = config.get("target_count") or 0
    if limit and len(chosen) > limit:
        # A cap keeps the sentences that teach the most words.
        kept = set(sorted(chosen, key=lambda index: -len(by_sentence[index]))[:limit])
        chosen = [index for index in chosen if index in kept]
    learning_set = [
        _entry(corpus, index, rank, by_sentence[index], targets) for rank, index in enumerate(chosen, start=1)
    ]
    scores = {entry["sentence_index"]: entry["score"] for entry in learning_set}
    assignments = [
        {
            "word_key": key,
            "word_original": key,
            "lemma": key,
            "matched_surface": _surface_of(corpus.words[index], key),
            "sentence_index": index,
            "sentence_text": corpus.texts[index],
            "sentence_score": scores[index],
            "source_id": corpus.sources[index],
        }
        for index in chosen
        for key in sorted(by_sentence[index])
    ]
    covered = {assignment["word_key"] for assignment in assignments}
    uncovered = categorise(corpus, targets - covered, len_min, len_max)
    stats = {
        **_totals(targets, covered),
        "selected_sentence_count": len(learning_set),
        "learning_set_count": len(learning_set),
        "candidate_sentences": len(candidates),
        "corpus_sentences": len(corpus.texts),
        "len_min": len_min,
        "len_max": len_max,
        "target_count": limit,
        "source_breakdown": source_breakdown(learning_set),
        "sources_count": len(dict.fromkeys(corpus.sources)),
    }
    return Outcome(assignments, learning_set, stats, uncovered)


def build_filter(corpus, targets, config):
    """Sentences of ``len_min``..``len_max`` words mostly made of listed words, best first."""
    targets = frozenset(targets)
    candidates = [_candidate(corpus, index) for index in range(len(corpus.words))]
    # Without a ratio, each length has its own (a short sentence must be made of listed words only).
    min_share = config.get("min_in_list_ratio", MIN_SHARE_BY_LENGTH)
    picks = filter_candidates(
        candidates,
        targets,
        len_min=config["len_min"],
        len_max=config["len_max"],
        min_share=min_share,
        target_count=config["target_count"],
    )
    learning_set = []
    assignments = []
    for rank, pick in enumerate(picks, start=1):
        entry = _entry(corpus, pick.index, rank, (), targets)
        entry["score"] = round(pick.share, 3)
        learning_set.append(entry)
        assignments.append(
            {
                "word_key": f"{FILTER_KEY_PREFIX}{pick.index}",
                "word_original": None,
                "lemma": None,
                "matched_surface": None,
                "sentence_index": pick.index,
                "sentence_text": corpus.texts[pick.index],
                "sentence_score": round(pick.share, 3),
                "source_id": corpus.sources[pick.index],
            }
        )
    matched = {key for entry in learning_set for key in entry["all_matched_words"]}
    total = len(corpus.texts)
    stats = {
        **_totals(targets, matched),
        "total_sentences": total,
        "selected_count": len(learning_set),
        "learning_set_count": len(learning_set),
        "filter_acceptance_ratio": round(len(learning_set) / total, 4) if total else 0.0,
        "len_min": config["len_min"],
        "len_max": config["len_max"],
        "min_in_list_ratio": config.get("min_in_list_ratio"),
        "target_count": config["target_count"],
        "source_breakdown": source_breakdown(learning_set),
        "sources_count": len(dict.fromkeys(corpus.sources)),
    }
    return Outcome(assignments, learning_set, stats, None)


def _totals(targets, covered):
    total = len(targets)
    return {
        "words_total": total,
        "words_covered": len(covered),
        "uncovered_words": total - len(covered),
        "coverage_percentage": round(100 * len(covered) / total, 2) if total else 0.0,
    }


def source_breakdown(learning_set):
    """Per source, in corpus order: the sentences chosen from it and the words they cover."""
    breakdown = {}
    for entry in learning_set:
        item = breakdown.setdefault(entry["source_id"], {"source_id": entry["source_id"], "selected_sentences": 0})
        item["selected_sentences"] += 1
        item["words_covered"] = item.get("words_covered", 0) + entry["new_word_count"]
    return list(breakdown.values())


def categorise(corpus, missed, len_min, len_max):
    """``{key: category}``: why each of the ``missed`` keys is not in the learning set."""
    seen = {}
    for words in corpus.words:
        length = len(words)
        place = "short" if length < len_min else "long" if length > len_max else "valid"
        for key in {word.key for word in words} & missed:
            seen.setdefault(key, set()).add(place)
    categories = {}
    for key in missed:
        places = seen.get(key)
        if not places:
            categories[key] = NOT_IN_CORPUS
        elif "valid" in places:
            categories[key] = IN_VALID_BUT_MISSED
        elif places == {"short"}:
            categories[key] = ONLY_IN_SHORT
        else:
            categories[key] = ONLY_IN_LONG
    return categories


def entry_for(text, source, words, index, targets):
    """A learning-set entry for one sentence (a swap brings it in), ranked later."""
    entry = _entry(Corpus([text], [source], [words]), 0, 0, (), frozenset(targets))
    entry["sentence_index"] = index
    return entry


def reassign(learning_set, key, old_index, new_index, new_entry):
    """The learning set once ``key`` moved from sentence ``old_index`` to ``new_index``, ranked again.

    A sentence left covering no word leaves the set; the new one joins it at
    the end unless it is in it already (``new_entry`` is used only then).
    """
    entries = []
    for entry in learning_set:
        entry = dict(entry)
        if entry["sentence_index"] == old_index:
            entry["new_words_covered"] = [word for word in entry["new_words_covered"] if word != key]
            entry["new_word_count"] = len(entry["new_words_covered"])
        if entry["new_words_covered"] or entry["sentence_index"] == new_index:
            entries.append(entry)
    target = next((entry for entry in entries if entry["sentence_index"] == new_index), None)
    if target is None:
        target = dict(new_entry)
        entries.append(target)
    target["new_words_covered"] = sorted({*target["new_words_covered"], key})
    target["new_word_count"] = len(target["new_words_covered"])
    for rank, entry in enumerate(entries, start=1):
        entry["rank"] = rank
    return entries
