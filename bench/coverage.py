"""Coverage benchmark: a 100,000-word novel and the French 2K list, greedy cover against the exact optimum.

Run by hand from the repository root (``.venv/bin/pip install -e '.[bench]'`` brings SciPy)::

    .venv/bin/python bench/coverage.py [--words 100000] [--max-length 12] [--time-limit 300]

It generates a French novel of ``--words`` words whose vocabulary follows real
French frequencies: sentences from a small grammar (noun phrases with
adjectives and complements, clauses joined by conjunctions, relative clauses,
dialogue with inverted incises) whose nouns, verb forms, adjectives and adverbs
are drawn by frequency from wordfreq's French list (some 20,000 forms, classed
by the lemmatizer's tables). It splits the paragraphs into sentences with the
pipeline (``pipeline.sentences``), keeps those of at most ``--max-length``
words, keys them through the real ``SentenceKeyStore`` on a temporary SQLite
database, and covers the word list (``novel_pyramid/wordlists/data/french_2k.txt``
when present, else the 2,000 most frequent wordfreq forms through ``entry_keys``).

Printed: the greedy's sentence count, the optimum of the same instance solved as
an integer program (``scipy.optimize.milp``: a binary variable per sentence, one
constraint per coverable key) and the gap (target within 5 %); the run's time
cold (the store empty: parse included; the spaCy model's loading printed apart,
a worker pays it once) and warm (keys kept), targets under 10 s and under 2 s;
filter mode's time; peak RSS of the process and the Python heap's peak of a
warm run (tracemalloc).
"""

import argparse
import os
import pathlib
import random
import resource
import sys
import tempfile
import time
import tracemalloc

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from novel_pyramid.coverage.algorithms import Candidate, cover, filter_candidates  # noqa: E402
from novel_pyramid.coverage.sentence_keys import KeptSentenceKeys, SentenceKeyStore  # noqa: E402
from novel_pyramid.db import make_engine, make_session_factory  # noqa: E402
from novel_pyramid.pipeline import french, lemmas  # noqa: E402
from novel_pyramid.pipeline.sentences import split_sentences  # noqa: E402
from novel_pyramid.pipeline.words import count_words  # noqa: E402

WORDLIST = ROOT / "novel_pyramid" / "wordlists" / "data" / "french_2k.txt"

DETERMINERS = ["le", "la", "les", "un", "une", "des", "son", "sa", "ses", "ce", "cette", "mon", "leur", "notre"]
PRONOUNS = ["il", "elle", "ils", "elles", "on", "nous", "vous", "je", "tu"]
PREPOSITIONS = ["dans", "sur", "sous", "avec", "pour", "sans", "vers", "chez", "devant", "derrière", "entre", "après"]
CONJUNCTIONS = ["et", "mais", "puis", "donc", "car"]
SUBORDINATORS = ["parce que", "quand", "si", "comme", "bien que", "pendant que", "lorsque"]
INCISES = ["dit-il", "dit-elle", "répondit-il", "murmura-t-elle", "demanda-t-il", "s'écria-t-elle"]
ELIDING = {"le": "l'", "la": "l'", "de": "d'", "que": "qu'", "je": "j'", "ne": "n'", "se": "s'", "lorsque": "lorsqu'"}
VOWELS = set("aeiouyéèêàâîôûh")


class Vocabulary:
    """Word forms of wordfreq's French list by class, drawn by frequency."""

    def __init__(self, size=20000):
        import wordfreq

        tables = lemmas.tables()
        classes = {"noun": [], "verb": [], "adj": [], "adv": []}
        for form in wordfreq.top_n_list("fr", size):
            if not form.isalpha() or len(form) < 3 or form in lemmas.FUNCTION_WORDS:
                continue
            weight = wordfreq.word_frequency(form, "fr")
            lemma = tables.lookup(form) or form
            if tables.is_verb_form(form) or tables.is_lemma(form, "verb"):
                classes["verb"].append((form, weight))
            else:
                for pos in ("noun", "adj", "adv"):
                    if tables.is_lemma(lemma, pos):
                        classes[pos].append((form, weight))
                        break
        self.classes = {name: ([f for f, _ in forms], [w for _, w in forms]) for name, forms in classes.items()}

    def draw(self, rng, name):
        forms, weights = self.classes[name]
        return rng.choices(forms, weights)[0]


def _join(words):
    out = []
    for word in words:
        if out and out[-1] in ELIDING and word[0].lower() in VOWELS:
            out[-1] = ELIDING[out[-1]] + word
        elif out and out[-1].endswith("'"):
            out[-1] += word
        else:
            out.append(word)
    return " ".join(out)


def _noun_phrase(rng, vocabulary):
    words = [rng.choice(DETERMINERS)]
    if rng.random() < 0.25:
        words.append(vocabulary.draw(rng, "adj"))
    words.append(vocabulary.draw(rng, "noun"))
    if rng.random() < 0.3:
        words.append(vocabulary.draw(rng, "adj"))
    if rng.random() < 0.15:
        words += ["de", rng.choice(["la", "le", "mon", "son"]), vocabulary.draw(rng, "noun")]
    return words


def _clause(rng, vocabulary):
    subject = [rng.choice(PRONOUNS)] if rng.random() < 0.5 else _noun_phrase(rng, vocabulary)
    words = subject
    if rng.random() < 0.15:
        words = [*words, "ne", vocabulary.draw(rng, "verb"), "pas"]
    else:
        words = [*words, vocabulary.draw(rng, "verb")]
    if rng.random() < 0.3:
        words.append(vocabulary.draw(rng, "adv"))
    if rng.random() < 0.6:
        words += _noun_phrase(rng, vocabulary)
    if rng.random() < 0.3:
        words += [rng.choice(PREPOSITIONS), *_noun_phrase(rng, vocabulary)]
    return words


def _sentence(rng, vocabulary):
    shape = rng.random()
    if shape < 0.35:
        words, end = _clause(rng, vocabulary), "."
    elif shape < 0.55:
        words, end = [*_clause(rng, vocabulary), rng.choice(CONJUNCTIONS), *_clause(rng, vocabulary)], "."
    elif shape < 0.7:
        words = [*_clause(rng, vocabulary), *rng.choice(SUBORDINATORS).split(), *_clause(rng, vocabulary)]
        end = "."
    elif shape < 0.8:
        words = [*_noun_phrase(rng, vocabulary), "qui", vocabulary.draw(rng, "verb"), *_clause(rng, vocabulary)[1:]]
        end = "."
    else:
        inner = _join(_clause(rng, vocabulary) if rng.random() < 0.7 else [vocabulary.draw(rng, "adv")])
        mark = rng.choice(["!", "?", ","])
        return f"« {inner[0].upper()}{inner[1:]} {mark} » {rng.choice(INCISES)}."
    text = _join(words)
    return f"{text[0].upper()}{text[1:]}{end}"


def generate_novel(words, seed=2026):
    rng = random.Random(seed)
    vocabulary = Vocabulary()
    paragraphs, total = [], 0
    while total < words:
        paragraph = " ".join(_sentence(rng, vocabulary) for _ in range(rng.randint(2, 7)))
        total += count_words(paragraph)
        paragraphs.append(paragraph)
    return paragraphs


def word_list():
    if WORDLIST.exists():
        keys = [line.strip() for line in WORDLIST.read_text("utf-8").splitlines()]
        return [key for key in keys if key and not key.startswith("#")], WORDLIST.name
    import wordfreq

    keys = [key for key in lemmas.entry_keys(wordfreq.top_n_list("fr", 4000), forms=True) if key]
    return list(dict.fromkeys(keys))[:2000], "wordfreq top forms through entry_keys"


def candidates_of(sentences_words):
    return [Candidate.of(index, (word.key for word in words)) for index, words in enumerate(sentences_words)]


def optimum(candidates, targets, time_limit):
    """The exact minimum cover of ``targets`` by ``candidates`` (a MILP), its status and the solver's time."""
    import numpy
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_matrix

    # Sentences with the same listed keys are one column.
    columns = sorted({c.keys & targets for c in candidates if c.keys & targets}, key=sorted)
    keys = sorted(frozenset().union(*columns))
    row_of = {key: row for row, key in enumerate(keys)}
    rows, cols = [], []
    for col, column in enumerate(columns):
        for key in column:
            rows.append(row_of[key])
            cols.append(col)
    matrix = csr_matrix((numpy.ones(len(rows)), (rows, cols)), shape=(len(keys), len(columns)))
    started = time.perf_counter()
    result = milp(
        c=numpy.ones(len(columns)),
        constraints=LinearConstraint(matrix, lb=numpy.ones(len(keys)), ub=numpy.inf),
        integrality=numpy.ones(len(columns)),
        bounds=Bounds(0, 1),
        options={"time_limit": time_limit, "disp": False},
    )
    elapsed = time.perf_counter() - started
    value = round(result.fun) if result.x is not None else None
    bound = getattr(result, "mip_dual_bound", None)
    return value, bound, result.status, result.message, elapsed, len(columns), len(keys)


def run(store_factory, sentences, targets, max_length):
    started = time.perf_counter()
    store = store_factory()
    words = store.sentence_words(sentences)
    keyed = time.perf_counter()
    result = cover(candidates_of(words), targets, max_length=max_length)
    done = time.perf_counter()
    return result, store.parsed, keyed - started, done - keyed, done - started, words


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--max-length", type=int, default=12, help="Longest sentence kept, in words.")
    parser.add_argument("--time-limit", type=float, default=300, help="Seconds the exact solver may take.")
    args = parser.parse_args()

    started = time.perf_counter()
    french.parse(["Il pleut."], lemmas=True)
    lemmas.sentence_words(["Il pleut."])
    print(f"spaCy pipeline and lemma tables loaded in {time.perf_counter() - started:.1f} s (once per worker)")

    started = time.perf_counter()
    paragraphs = generate_novel(args.words)
    sentences = list(split_sentences(paragraphs))
    words_total = sum(count_words(sentence) for sentence in sentences)
    short = [sentence for sentence in sentences if count_words(sentence) <= args.max_length]
    print(
        f"novel: {words_total:,} words, {len(sentences):,} sentences; "
        f"{len(short):,} of at most {args.max_length} words ({sum(map(count_words, short)):,} words), "
        f"generated in {time.perf_counter() - started:.1f} s"
    )
    keys, source = word_list()
    targets = frozenset(keys)
    print(f"word list: {len(targets):,} keys ({source})")

    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine({"database_url": f"sqlite:///{directory}/keys.sqlite", "database.pool_size": 1})
        KeptSentenceKeys.__table__.create(engine)
        session_factory = make_session_factory(engine)
        sessions = []

        def store_factory():
            sessions.append(session_factory())
            return SentenceKeyStore(sessions[-1], session_factory, 30)

        cold, parsed, cold_keying, cold_cover, cold_total, words = run(store_factory, short, targets, args.max_length)
        warm, reparsed, warm_keying, warm_cover, warm_total, _ = run(store_factory, short, targets, args.max_length)
        assert warm == cold and reparsed == 0
        stored = sessions[-1].scalar(KeptSentenceKeys.__table__.select().with_only_columns(KeptSentenceKeys.words))

        candidates = candidates_of(words)
        started = time.perf_counter()
        picks = filter_candidates(candidates, targets)
        filter_time = time.perf_counter() - started

        tracemalloc.start()
        run(store_factory, short, targets, args.max_length)
        _, heap_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        for session in sessions:
            session.close()
        engine.dispose()

    coverable = len(targets) - len(cold.uncovered)
    print(
        f"cover: {len(cold.chosen):,} sentences cover {coverable:,} of {len(targets):,} keys "
        f"({len(cold.uncovered):,} in no kept sentence)"
    )
    usable = [candidate for candidate in candidates if candidate.length <= args.max_length]
    value, bound, status, message, solve_time, columns, rows = optimum(usable, targets, args.time_limit)
    print(f"exact (milp, {columns:,} distinct sentences x {rows:,} keys): {value} in {solve_time:.1f} s, {message}")
    if value:
        gap = 100 * (len(cold.chosen) - value) / value
        print(f"gap: {gap:.2f} % (target within 5 %)")
    if bound is not None and status != 0:
        print(f"solver's lower bound: {bound:.1f}")
    print(
        f"cold run (store empty, {parsed:,} sentences parsed): {cold_total:.2f} s "
        f"(keying {cold_keying:.2f} s, cover {cold_cover:.3f} s; target under 10 s)"
    )
    print(
        f"warm run (keys kept, {reparsed} parsed): {warm_total:.2f} s "
        f"(reading {warm_keying:.2f} s, cover {warm_cover:.3f} s; target under 2 s)"
    )
    print(f"filter mode (3..8 words, shares by length): {len(picks):,} sentences in {filter_time:.3f} s")
    print(f"kept keys: {len(stored):,} bytes for {len(short):,} sentences")
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process: {peak_rss:.0f} MB; Python heap peak of a warm run: {heap_peak / 2**20:.1f} MB")
    print(f"load average: {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()
