"""French language resources from spaCy's ``fr_core_news_sm``, shared by whoever needs them in a process.

Everything is loaded on first use, once per process, under a lock, so that many
threads may ask at once and only one pays. A process forked after loading (a
Celery prefork child) loads its own copy on first use rather than trusting one
inherited from its parent; a worker that wants the cost paid at start calls
``LocalNormalizer.warm_up()`` in the child, never in the parent.

- ``parse(texts)`` parses a batch of texts with the shared pipeline:
  tokenizer, tok2vec, morphologizer, dependency parser, attribute ruler (named
  entities and the separate sentence recogniser are not loaded).
  ``parse(texts, lemmas=True)`` adds lemmas: the lemmatizer (some 125 MB and a
  second of start-up, which the normaliser does without) joins the shared
  pipeline the first time anyone asks for them. spaCy does not promise that one
  pipeline may serve several threads at once, and its models hold the GIL
  while they compute, so calls are serialised: nothing is lost. Use
  ``parse`` rather than ``pipeline()`` directly, so that the lock is held.
- ``lexicon()`` knows the French word forms listed by the model's lemmatizer
  tables (some 390,000: inflected forms, lemmas, compounds such as
  ``peut-être``), without loading the neural pipeline.
"""

import logging
import os
import threading
import time

log = logging.getLogger(__name__)

MODEL = "fr_core_news_sm"
EXCLUDE = ("ner", "senter")
LEMMATIZER = "lemmatizer"
PARSER = "parser"
PIPE_BATCH_SIZE = 64


class PerProcess:
    """A value built by ``build()`` on first use, once per process; thread-safe and fork-aware."""

    def __init__(self, build, what):
        self._build = build
        self._what = what
        self._owner = None  # (pid, value)
        self._lock = threading.Lock()
        # A lock held by another thread at fork time would stay held forever in the child.
        os.register_at_fork(after_in_child=self._new_lock)

    def _new_lock(self):
        self._lock = threading.Lock()

    def get(self):
        owner = self._owner
        if owner is not None and owner[0] == os.getpid():
            return owner[1]
        with self._lock:
            if self._owner is None or self._owner[0] != os.getpid():
                started = time.perf_counter()
                value = self._build()
                log.info("Loaded %s in %.2f s", self._what, time.perf_counter() - started)
                self._owner = (os.getpid(), value)
            return self._owner[1]

    @property
    def loaded(self):
        """Whether this process has built the value already."""
        return self._owner is not None and self._owner[0] == os.getpid()


def _package():
    import spacy.util

    package = spacy.util.get_package_path(MODEL)
    return package, spacy.util.get_model_meta(package)


def _load_pipeline():
    import spacy

    return spacy.load(MODEL, exclude=[*EXCLUDE, LEMMATIZER])


_pipeline = PerProcess(_load_pipeline, f"the spaCy pipeline {MODEL}")
_parse_lock = threading.Lock()


def _new_parse_lock():
    global _parse_lock
    _parse_lock = threading.Lock()


os.register_at_fork(after_in_child=_new_parse_lock)


def pipeline():
    """The shared spaCy ``Language``, loaded on first use; call ``parse`` to run it."""
    return _pipeline.get()


def pipeline_loaded():
    """Whether this process has loaded the pipeline already."""
    return _pipeline.loaded


def parse(texts, *, lemmas=False, syntax=True, batch_size=PIPE_BATCH_SIZE):
    """Parsed ``spacy.tokens.Doc`` objects for ``texts`` (a list of str), in order; with ``token.lemma_`` if asked.

    ``syntax=False`` leaves the dependency parser out (no ``dep_``, ``head`` or
    sentences): tags, morphology and lemmas do not need it, and it is a fifth
    of the time.
    """
    nlp = pipeline()
    with _parse_lock:
        if lemmas and LEMMATIZER not in nlp.pipe_names:
            _add_lemmatizer(nlp)
        disable = [LEMMATIZER] if not lemmas and LEMMATIZER in nlp.pipe_names else []
        if not syntax:
            disable.append(PARSER)
        return list(nlp.pipe(texts, batch_size=batch_size, disable=disable))


def _add_lemmatizer(nlp):
    import spacy

    started = time.perf_counter()
    _, meta = _package()
    source = spacy.load(MODEL, exclude=[name for name in meta["components"] if name != LEMMATIZER])
    lemmatizer = nlp.add_pipe(LEMMATIZER, source=source)
    # spaCy's French rules ask ``form in index`` of lists of up to 66,000 lemmas per part
    # of speech, a scan each time: as sets, keying a novel's tokens costs a tenth as much.
    index = lemmatizer.lookups.get_table("lemma_index")
    for part_of_speech, lemmas in list(index.items()):
        index[part_of_speech] = frozenset(lemmas)
    log.info("Loaded the lemmatizer of %s in %.2f s", MODEL, time.perf_counter() - started)


class Lexicon:
    """Membership of French word forms, compared lower-cased; compact (a sorted array of hashes)."""

    def __init__(self, hashes):
        import numpy

        self._hashes = numpy.unique(numpy.fromiter(hashes, dtype=numpy.uint64))

    def __len__(self):
        return len(self._hashes)

    def __contains__(self, word):
        import numpy
        from spacy.strings import get_string_id

        key = numpy.uint64(get_string_id(word.lower()))
        position = numpy.searchsorted(self._hashes, key)
        return bool(position < len(self._hashes) and self._hashes[position] == key)


def _load_lexicon():
    from spacy.lookups import Lookups
    from spacy.strings import get_string_id

    package, meta = _package()
    lookups = Lookups().from_disk(
        package / f"{meta['lang']}_{meta['name']}-{meta['version']}" / "lemmatizer" / "lookups"
    )

    def hashes():
        # lemma_lookup is keyed by the hash of each inflected form; lemmas come as strings.
        table = lookups.get_table("lemma_lookup")
        yield from table.keys()
        for lemmas in table.values():
            for lemma in [lemmas] if isinstance(lemmas, str) else lemmas:
                yield get_string_id(lemma)
        for lemmas in lookups.get_table("lemma_index").values():
            for lemma in lemmas:
                yield get_string_id(lemma)
        for exceptions in lookups.get_table("lemma_exc").values():
            for form, lemmas in exceptions.items():
                yield get_string_id(form)
                for lemma in lemmas:
                    yield get_string_id(lemma)

    return Lexicon(hashes())


_lexicon = PerProcess(_load_lexicon, f"the French lexicon of {MODEL}")


def lexicon():
    """The French lexicon, loaded on first use."""
    return _lexicon.get()
