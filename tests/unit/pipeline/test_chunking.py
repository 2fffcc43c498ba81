"""Chunking: whole sentences, bounded chunks, nothing lost or repeated."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from novel_pyramid.pipeline.chunking import chunk_sentences
from novel_pyramid.pipeline.words import count_words

WORD = st.sampled_from(["le", "chat", "dort", "«", "—", "l'homme", "Jean-François", "…", "3,14"])
SENTENCE = st.lists(WORD, min_size=0, max_size=40).map(" ".join)


@given(
    sentences=st.lists(SENTENCE, max_size=60),
    max_words=st.integers(min_value=1, max_value=80),
    max_sentences=st.integers(min_value=1, max_value=15),
)
def test_chunks_reassemble_to_the_input_and_respect_the_bounds(sentences, max_words, max_sentences):
    chunks = list(chunk_sentences(sentences, max_words=max_words, max_sentences=max_sentences))

    assert [sentence for chunk in chunks for sentence in chunk] == sentences
    for chunk in chunks:
        assert 1 <= len(chunk) <= max_sentences
        words = sum(count_words(sentence) for sentence in chunk)
        # Only a sentence too long on its own may exceed the word budget, alone.
        assert words <= max_words or len(chunk) == 1


@given(sentences=st.lists(SENTENCE, min_size=1, max_size=60), max_words=st.integers(1, 80))
def test_chunks_are_as_full_as_the_bounds_allow(sentences, max_words):
    chunks = list(chunk_sentences(sentences, max_words=max_words, max_sentences=10))
    for chunk, following in itertools.pairwise(chunks):
        words = sum(count_words(sentence) for sentence in chunk)
        assert len(chunk) == 10 or words + count_words(following[0]) > max_words


def test_default_chunk_of_a_novel():
    sentences = ["Le chat dort sur le lit de la chambre."] * 1000  # 9 words each
    chunks = list(chunk_sentences(sentences))
    assert [len(chunk) for chunk in chunks] == [133] * 7 + [69]


def test_a_long_sentence_is_a_chunk_of_its_own():
    long_sentence = " ".join(["mot"] * 50)
    chunks = list(chunk_sentences(["Court.", long_sentence, "Court."], max_words=10))
    assert chunks == [["Court."], [long_sentence], ["Court."]]


def test_no_sentences_no_chunks():
    assert list(chunk_sentences([])) == []


@pytest.mark.parametrize("bounds", [{"max_words": 0}, {"max_sentences": 0}])
def test_bounds_must_be_positive(bounds):
    with pytest.raises(ValueError):
        list(chunk_sentences(["Un."], **bounds))
