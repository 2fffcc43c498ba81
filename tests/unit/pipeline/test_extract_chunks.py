"""extract_chunks: a PDF read into chunks that know their pages, under the job's options."""

import io

import pytest

from novel_pyramid.errors.exceptions import InvalidPdf
from novel_pyramid.pipeline import Chunk, ProcessingOptions, extract_chunks, extraction_digest
from novel_pyramid.pipeline.chunking import chunk_sentences
from novel_pyramid.pipeline.extract import iter_paragraphs
from novel_pyramid.pipeline.layout import paragraphs_with_pages
from novel_pyramid.pipeline.sentences import LocatedSentence, split_located_sentences, split_sentences
from tests.unit.pipeline.conftest import DEJAVU, build_book, handmade_pdf
from tests.unit.pipeline.test_extract import EXPECTED, PAGE_ONE, PAGE_THREE, PAGE_TWO

needs_dejavu = pytest.mark.skipif(not DEJAVU.exists(), reason="œ and ’ need a Unicode font")
NO_HYPHEN_FIX = ProcessingOptions(fix_hyphenation=False)


def chunks_of(pages, **arguments):
    return list(extract_chunks(io.BytesIO(build_book(pages)), **arguments))


def all_sentences(chunks):
    return [sentence for chunk in chunks for sentence in chunk.sentences]


@needs_dejavu
def test_chunks_hold_the_same_sentences_as_the_older_path(book):
    data = build_book([PAGE_ONE, PAGE_TWO, PAGE_THREE])
    older = list(chunk_sentences(split_sentences(iter_paragraphs(io.BytesIO(data))), max_words=40))

    chunks = list(extract_chunks(io.BytesIO(data), chunk_max_words=40))

    assert [chunk.sentences for chunk in chunks] == older
    assert all(isinstance(chunk, Chunk) for chunk in chunks)
    assert all_sentences(chunks) == list(split_sentences(EXPECTED))


@needs_dejavu
def test_each_chunk_knows_the_pages_its_sentences_were_printed_on():
    pages = [
        ["Première page, première phrase.", "Première page, deuxième phrase."],
        ["Deuxième page, une phrase."],
        ["Troisième page, une phrase.", "Troisième page, la dernière."],
    ]

    chunks = chunks_of(pages, chunk_max_words=4)  # four words a sentence: one sentence a chunk

    assert [(chunk.sentences, chunk.start_page, chunk.end_page) for chunk in chunks] == [
        (["Première page, première phrase."], 1, 1),
        (["Première page, deuxième phrase."], 1, 1),
        (["Deuxième page, une phrase."], 2, 2),
        (["Troisième page, une phrase."], 3, 3),
        (["Troisième page, la dernière."], 3, 3),
    ]
    [whole] = chunks_of(pages)
    assert (whole.start_page, whole.end_page, whole.page_count) == (1, 3, 3)


@needs_dejavu
def test_a_sentence_running_over_a_page_break_spans_both_pages():
    pages = [
        [
            "Le navire entra lentement dans le port de Marseille vers midi,",
            "et le jeune second, debout près du gouvernail, surveillait la",
        ],
        ["manœuvre avec une attention extrême. Le quai était désert."],
        ["Personne ne vint.", "Le soir tomba."],
    ]

    chunks = chunks_of(pages, chunk_max_words=5)

    assert [(chunk.start_page, chunk.end_page) for chunk in chunks] == [(1, 2), (2, 2), (3, 3), (3, 3)]
    assert chunks[0].sentences[0].endswith("surveillait la manœuvre avec une attention extrême.")


@needs_dejavu
def test_a_word_cut_across_a_page_break_ends_the_sentence_on_the_second_page():
    pages = [["Le capitaine regardait la mer, puis il deman-"], ["da du pain.", "Il dormit."]]

    first, second = chunks_of(pages, chunk_max_words=3)

    assert first.sentences == ["Le capitaine regardait la mer, puis il demanda du pain."]
    assert (first.start_page, first.end_page) == (1, 2)
    assert (second.start_page, second.end_page) == (2, 2)


@needs_dejavu
def test_running_headers_and_page_numbers_do_not_shift_the_pages():
    pages = [["Première page, une phrase."], ["Deuxième page, une phrase."], ["Troisième page, une phrase."]]
    data = build_book(pages * 2, header="Le Comte de Monte-Cristo", page_numbers=True)

    chunks = list(extract_chunks(io.BytesIO(data), chunk_max_words=4))

    assert [(chunk.sentences[0].split(",")[0], chunk.start_page) for chunk in chunks] == [
        ("Première page", 1),
        ("Deuxième page", 2),
        ("Troisième page", 3),
        ("Première page", 4),
        ("Deuxième page", 5),
        ("Troisième page", 6),
    ]


# fix_hyphenation


@needs_dejavu
def test_fix_hyphenation_mends_line_end_hyphens_and_keeps_real_ones():
    text = " ".join(all_sentences(chunks_of([PAGE_ONE, PAGE_TWO, PAGE_THREE])))

    assert "Le capitaine était mort" in text and "contraire" in text and "traversée" in text
    assert "Peut-être" in text and "demanda-t-il" in text and "Jean-François" in text


@needs_dejavu
def test_without_fix_hyphenation_line_end_hyphens_stay_as_printed():
    text = " ".join(all_sentences(chunks_of([PAGE_ONE, PAGE_TWO, PAGE_THREE], options=NO_HYPHEN_FIX)))

    assert "Le capitai-ne était mort" in text
    assert "con-traire" in text and "comman-dement" in text and "tra-versée" in text
    assert "Peut-être" in text and "demanda-t-il" in text and "Jean-François" in text
    assert "capitaine était" not in text


def test_without_fix_hyphenation_iter_paragraphs_keeps_the_hyphen_too(book):
    pdf = book([["Le vieil homme regardait la mer immense et deman-", "dait du pain."]])

    assert list(iter_paragraphs(pdf, fix_hyphenation=False)) == [
        "Le vieil homme regardait la mer immense et deman-dait du pain."
    ]
    pdf.seek(0)
    assert list(iter_paragraphs(pdf)) == ["Le vieil homme regardait la mer immense et demandait du pain."]


def test_extract_chunks_raises_what_iter_paragraphs_raises():
    with pytest.raises(InvalidPdf) as failure:
        list(extract_chunks(io.BytesIO(b"not a pdf at all")))
    assert failure.value.reason == "not_pdf"

    no_text = handmade_pdf(
        [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << >> /Contents 4 0 R >>"],
        [b"<< /Length 0 >>\nstream\n\nendstream"],
    )
    with pytest.raises(InvalidPdf) as failure:
        list(extract_chunks(io.BytesIO(no_text)))
    assert failure.value.reason == "no_text"


def test_too_many_pages_is_refused_before_any_chunk():
    data = build_book([["Une phrase."], ["Une autre."], ["Une dernière."]])

    with pytest.raises(InvalidPdf) as failure:
        next(extract_chunks(io.BytesIO(data), max_pages=2))
    assert failure.value.reason == "too_many_pages"


# The digest


def test_digest_changes_with_fix_hyphenation_only():
    def digest(options):
        return extraction_digest("ab" * 32, max_pages=2000, chunk_max_words=1200, options=options)

    default = digest(ProcessingOptions())
    assert extraction_digest("ab" * 32, max_pages=2000, chunk_max_words=1200) == default
    assert digest(NO_HYPHEN_FIX) != default
    # The other options change what the normaliser writes, not what is read.
    assert digest(ProcessingOptions(ignore_dialogue=True, preserve_formatting=False, min_sentence_length=5)) == default


# The same on strings: pages of lines, odd spaces and soft hyphens


def test_page_starts_follow_collapsed_spaces_and_soft_hyphens():
    pages = [
        ["Il  marchait   vers la gare.  Le train par\u00ad"],
        ["tait à midi, et il cou-", "rait."],
        [],
        ["Il   arriva enfin."],
    ]

    paragraphs = list(paragraphs_with_pages(pages))
    located = list(split_located_sentences(paragraphs))

    assert located == [
        LocatedSentence("Il marchait vers la gare.", 1, 1),
        LocatedSentence("Le train partait à midi, et il courait.", 1, 2),
        LocatedSentence("Il arriva enfin.", 4, 4),
    ]
    # One paragraph (nothing on these pages marks a break) reaching pages 1, 2 and 4.
    [paragraph] = paragraphs
    assert [page for _, page in paragraph.page_starts] == [1, 2, 4]
    assert paragraph.page_at(0) == 1 and paragraph.page_at(len(paragraph.text) - 1) == 4


def test_without_fix_hyphenation_a_soft_hyphen_shows_as_the_hyphen_it_was_printed_as():
    pages = [["Le train par\u00ad", "tait à midi, et il cou-", "rait."]]

    [paragraph] = paragraphs_with_pages(pages, fix_hyphenation=False)

    assert paragraph.text == "Le train par-tait à midi, et il cou-rait."
