"""A run's corpus: the sentences of its sources (completed jobs or history entries), one after another.

Sources are read through the services that own them, scoped to the user, so
another user's job or entry is "not found" here as everywhere.
"""

from novel_pyramid.coverage.building import Corpus
from novel_pyramid.coverage.models import SourceType
from novel_pyramid.errors import Conflict, NotFound
from novel_pyramid.jobs.models import JobStatus


def _entry_id(source_id):
    try:
        return int(source_id)
    except ValueError:
        raise NotFound("History entry not found") from None


def check_source(jobs, history, user_id, source_type, source_id):
    """Refuse, writing nothing, a source the run cannot read."""
    if source_type == SourceType.JOB:
        job = jobs.get(user_id, source_id)
        if job.status != JobStatus.COMPLETED:
            raise Conflict(f"The job {job.id} is {job.status}; a coverage run reads the sentences of a completed job.")
        if not job.sentences_count:
            raise Conflict(f"The job {job.id} has no sentences to read.")
        return
    entry = history.get(user_id, _entry_id(source_id))
    if entry.processed_sentences_count == 0:
        raise Conflict(f"The history entry {entry.id} has no sentences to read.")


def _texts_of_entry(details, user_id, source_id):
    pairs, _ = details.entry_sentences(user_id, _entry_id(source_id))
    texts = []
    for pair in pairs:
        if isinstance(pair, dict):
            text = pair.get("normalized") or pair.get("original") or ""
        else:
            text = str(pair)
        texts.append(text)
    return texts


def read_corpus(jobs, details, user_id, source_type, source_ids):
    """The ``Corpus`` of the sources, in the order given; empty sentences are kept so indexes stay stable."""
    texts, sources = [], []
    for source_id in source_ids:
        if source_type == SourceType.JOB:
            job = jobs.get(user_id, source_id)
            if job.status != JobStatus.COMPLETED:
                raise Conflict(f"The job {job.id} is {job.status}; its sentences are read once it has completed.")
            found = jobs.sentences(job)
        else:
            found = _texts_of_entry(details, user_id, source_id)
        texts.extend(found)
        sources.extend([source_id] * len(found))
    return Corpus(texts, sources)


# Sentences keyed (and kept) together: small enough for the progress to move while a book is parsed.
KEYING_SLICE = 1000


def keying_slices(corpus):
    """``(start, end)`` of each slice, each source's sentences sliced from its own first one.

    So a book's slices, and the keys kept for them, are the same whether it is
    read alone or in a batch, by a run or by a swap.
    """
    slices = []
    start = 0
    while start < len(corpus.sources):
        end = start
        while end < len(corpus.sources) and corpus.sources[end] == corpus.sources[start]:
            end += 1
        slices.extend((begin, min(begin + KEYING_SLICE, end)) for begin in range(start, end, KEYING_SLICE))
        start = end
    return slices


def key_corpus(store, corpus, fold_diacritics, progress=None):
    """The corpus with each sentence's words, through the key store; ``progress(share done)`` after each slice."""
    words = []
    total = len(corpus.texts)
    for start, end in keying_slices(corpus):
        words.extend(store.sentence_words(corpus.texts[start:end], fold_diacritics=fold_diacritics))
        if progress is not None:
            progress(end / total)
    return corpus.keyed(words)


def words_of_sentence(store, corpus, index, fold_diacritics):
    """The words of one sentence of the corpus, from its slice's kept keys."""
    start, end = next((start, end) for start, end in keying_slices(corpus) if start <= index < end)
    return store.sentence_words(corpus.texts[start:end], fold_diacritics=fold_diacritics)[index - start]
