"""Group sentences into chunks sized for one model call.

Chunks hold whole sentences, so each can be normalised in parallel and retried
alone; concatenating the chunks in order gives back the input exactly.
``extract_chunks`` reads a PDF straight into chunks that know the pages they
were printed on.
"""

from typing import NamedTuple

from novel_pyramid.pipeline.extract import DEFAULT_MAX_PAGES, iter_located_paragraphs
from novel_pyramid.pipeline.options import ProcessingOptions
from novel_pyramid.pipeline.sentences import split_located_sentences
from novel_pyramid.pipeline.words import count_words

DEFAULT_MAX_WORDS = 1200
DEFAULT_MAX_SENTENCES = 200


class Chunk(NamedTuple):
    """Consecutive sentences of a book and the pages (1-based, inclusive) they were printed on."""

    sentences: list
    start_page: int
    end_page: int

    @property
    def page_count(self):
        return self.end_page - self.start_page + 1


def chunk_sentences(sentences, *, max_words=DEFAULT_MAX_WORDS, max_sentences=DEFAULT_MAX_SENTENCES):
    """Yield lists of consecutive sentences holding at most ``max_words`` words and ``max_sentences`` sentences.

    A sentence longer than ``max_words`` on its own forms a chunk by itself
    rather than being cut: only the normaliser may change a sentence.
    """
    yield from _group(sentences, count_words, max_words, max_sentences)


def extract_chunks(
    stream,
    *,
    max_pages=DEFAULT_MAX_PAGES,
    chunk_max_words=DEFAULT_MAX_WORDS,
    max_sentences=DEFAULT_MAX_SENTENCES,
    options=ProcessingOptions(),
):
    """Yield the ``Chunk`` items of the PDF in ``stream``, cut as ``chunk_sentences`` cuts, with their pages.

    ``options.fix_hyphenation`` is the one option that changes extraction.
    Raises what ``extract.iter_paragraphs`` raises (``InvalidPdf``), at the
    same moments.
    """
    paragraphs = iter_located_paragraphs(stream, max_pages=max_pages, fix_hyphenation=options.fix_hyphenation)
    located = split_located_sentences(paragraphs)
    for group in _group(located, lambda sentence: count_words(sentence.text), chunk_max_words, max_sentences):
        yield Chunk([sentence.text for sentence in group], group[0].start_page, group[-1].end_page)


def _group(items, words_of, max_words, max_sentences):
    if max_words < 1 or max_sentences < 1:
        raise ValueError("max_words and max_sentences must be at least 1")
    chunk = []
    chunk_words = 0
    for item in items:
        words = words_of(item)
        if chunk and (chunk_words + words > max_words or len(chunk) >= max_sentences):
            yield chunk
            chunk = []
            chunk_words = 0
        chunk.append(item)
        chunk_words += words
    if chunk:
        yield chunk
