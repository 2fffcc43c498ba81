"""Group sentences into chunks sized for one model call.

Chunks hold whole sentences, so each can be normalised in parallel and retried
alone; concatenating the chunks in order gives back the input exactly.
"""

from novel_pyramid.pipeline.words import count_words

DEFAULT_MAX_WORDS = 1200
DEFAULT_MAX_SENTENCES = 200


def chunk_sentences(sentences, *, max_words=DEFAULT_MAX_WORDS, max_sentences=DEFAULT_MAX_SENTENCES):
    """Yield lists of consecutive sentences holding at most ``max_words`` words and ``max_sentences`` sentences.

    A sentence longer than ``max_words`` on its own forms a chunk by itself
    rather than being cut: only the normaliser may change a sentence.
    """
    if max_words < 1 or max_sentences < 1:
        raise ValueError("max_words and max_sentences must be at least 1")
    chunk = []
    chunk_words = 0
    for sentence in sentences:
        words = count_words(sentence)
        if chunk and (chunk_words + words > max_words or len(chunk) >= max_sentences):
            yield chunk
            chunk = []
            chunk_words = 0
        chunk.append(sentence)
        chunk_words += words
    if chunk:
        yield chunk
