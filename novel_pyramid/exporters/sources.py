"""Where exported rows come from: a list of sentences (v1) or a finished job's chunks (v2).

A job's rows are read a few chunks at a time, each page in a short
transaction of its own (``db.own_transaction``), because file downloads are
streamed after the request's transaction has ended: the response body is
produced while the client reads it.
"""

import re

from sqlalchemy import select

from novel_pyramid.db import own_transaction
from novel_pyramid.exporters.interfaces import ExportSource, SentenceRow
from novel_pyramid.jobs.models import JobChunk

CHUNKS_PER_QUERY = 16

_WORD = re.compile(r"\w+")


def sentence_list_source(title, sentences, positions=None):
    """Rows for sentences given by the client (v1 has no originals), numbered by their place in the list.

    ``positions`` (0-based, in order) picks some of the sentences; each row keeps
    the number of its sentence in the whole list (position + 1), so a subset
    still reads "12, 15, 40" as the user saw them.
    """
    chosen = range(len(sentences)) if positions is None else positions

    def rows():
        for position in chosen:
            yield SentenceRow(position + 1, sentences[position])

    return ExportSource(title=title, sentence_count=len(chosen), rows=rows)


def job_source(job, session_factory, *, include_original=False, title=None):
    """Rows of a finished job, read chunk by chunk in ``position`` order."""

    def rows():
        index = 0
        for inputs, outputs in iter_chunk_sentences(session_factory, job.id):
            originals = align_originals(inputs, outputs) if include_original else [None] * len(outputs)
            for sentence, original in zip(outputs, originals, strict=True):
                index += 1
                yield SentenceRow(index, sentence, original)

    count = job.sentences_count
    if count is None:
        count = sum(len(outputs) for _, outputs in iter_chunk_sentences(session_factory, job.id))
    return ExportSource(
        title=title or job.original_filename or f"Job {job.id}",
        sentence_count=count,
        rows=rows,
        has_originals=include_original,
        job_id=job.id,
    )


def iter_chunk_sentences(session_factory, job_id):
    """Yield ``(input_sentences, output_sentences)`` of each chunk, in order, a page at a time."""
    last_position = -1
    while True:
        with own_transaction(session_factory) as (_, db):
            page = db.execute(
                select(JobChunk.position, JobChunk.input_sentences, JobChunk.output_sentences)
                .where(JobChunk.job_id == job_id, JobChunk.position > last_position)
                .order_by(JobChunk.position)
                .limit(CHUNKS_PER_QUERY)
            ).all()
        for position, inputs, outputs in page:
            last_position = position
            yield inputs or [], outputs or []
        if len(page) < CHUNKS_PER_QUERY:
            return


def _words(text):
    return set(_WORD.findall(text.lower()))


def _overlap(sentence_words, text):
    if not sentence_words:
        return 0.0
    return len(sentence_words & _words(text)) / len(sentence_words)


def align_originals(inputs, outputs):
    """For each output sentence, the input it was rewritten from (once), else "".

    The normaliser returns a chunk's rewritten sentences without saying which
    input each came from. Rewrites keep the original words, so we walk both
    lists in order and move to the next input when an output shares more words
    with it than with the current one (or when only as many outputs remain as
    inputs). The original is shown on the first row of its group only, which is
    how a reader expects a spreadsheet to look.
    """
    if len(inputs) == len(outputs):
        return list(inputs)
    if not inputs:
        return [""] * len(outputs)
    aligned = []
    current, used = 0, False
    for position, output in enumerate(outputs):
        output_words = _words(output)
        remaining_outputs = len(outputs) - position
        if used and current + 1 < len(inputs):
            remaining_inputs = len(inputs) - current - 1
            closer_to_next = _overlap(output_words, inputs[current + 1]) > _overlap(output_words, inputs[current])
            if closer_to_next or remaining_outputs <= remaining_inputs:
                current, used = current + 1, False
        aligned.append("" if used else inputs[current])
        used = True
    return aligned
