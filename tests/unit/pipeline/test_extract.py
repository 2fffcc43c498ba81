"""Extraction from PDFs made in the tests: paragraphs, hyphenation, running lines."""

import pytest

from novel_pyramid.pipeline.extract import inspect_pdf, iter_paragraphs
from tests.unit.pipeline.conftest import DEJAVU

# Three pages of a novel, set line by line as a typesetter would: full lines
# about sixty characters long, the last line of each paragraph shorter.
PAGE_ONE = [
    "Le navire entra lentement dans le port de Marseille vers midi,",
    "et le jeune second, debout près du gouvernail, surveillait la",
    "manœuvre avec une attention extrême.",
    "Sur le quai, une foule de curieux attendait depuis le matin le",
    "retour du Pharaon, parti trois mois plus tôt pour Naples. Le capitai-",
    "ne était mort en mer.",
    "« Où est donc le capitaine ? demanda l’armateur, inquiet de ne",
    "pas le voir à bord.",
]
PAGE_TWO = [
    "— Il est mort, répondit le jeune homme. Une fièvre terrible l’a",
    "emporté en trois jours, et nous l’avons enseveli au large de",
    "l’île. Que pouvions-nous faire d’autre ? Peut-",
    "être aurions-nous dû rentrer plus tôt, mais le vent était con-",
    "traire, et l’équipage épuisé.",
    "— Pauvre homme ! murmura M. Morrel. Et qui a pris le comman-",
    "dement ? demanda-",
    "t-il enfin, d’une voix plus basse.",
]
PAGE_THREE = [
    "— Moi, monsieur, répondit Edmond Dantès. Jean-",
    "François, le maître d’équipage, m’a aidé pendant toute la tra-",
    "versée, et c’est grâce à lui que nous sommes arrivés sains et",
    "saufs.",
]

EXPECTED = [
    "Le navire entra lentement dans le port de Marseille vers midi, et le jeune second, debout "
    "près du gouvernail, surveillait la manœuvre avec une attention extrême.",
    "Sur le quai, une foule de curieux attendait depuis le matin le retour du Pharaon, parti "
    "trois mois plus tôt pour Naples. Le capitaine était mort en mer.",
    "« Où est donc le capitaine ? demanda l'armateur, inquiet de ne pas le voir à bord.",
    "— Il est mort, répondit le jeune homme. Une fièvre terrible l'a emporté en trois jours, et "
    "nous l'avons enseveli au large de l'île. Que pouvions-nous faire d'autre ? Peut-être "
    "aurions-nous dû rentrer plus tôt, mais le vent était contraire, et l'équipage épuisé.",
    "— Pauvre homme ! murmura M. Morrel. Et qui a pris le commandement ? demanda-t-il enfin, d'une voix plus basse.",
    "— Moi, monsieur, répondit Edmond Dantès. Jean-François, le maître d'équipage, m'a aidé "
    "pendant toute la traversée, et c'est grâce à lui que nous sommes arrivés sains et saufs.",
]

needs_dejavu = pytest.mark.skipif(not DEJAVU.exists(), reason="œ and ’ need a Unicode font")


@needs_dejavu
def test_paragraphs_are_joined_and_hyphenation_mended(book):
    pdf = book([PAGE_ONE, PAGE_TWO, PAGE_THREE])
    assert list(iter_paragraphs(pdf)) == EXPECTED


@needs_dejavu
def test_running_headers_and_page_numbers_are_dropped(book):
    pdf = book([PAGE_ONE, PAGE_TWO, PAGE_THREE] * 2, header="Le Comte de Monte-Cristo", page_numbers=True)
    paragraphs = list(iter_paragraphs(pdf))
    assert paragraphs == EXPECTED * 2


@needs_dejavu
def test_inspect_counts_pages_without_extracting(book):
    pdf = book([PAGE_ONE, PAGE_TWO, PAGE_THREE])
    assert inspect_pdf(pdf) == 3
    assert pdf.tell() == 0  # Ready for the worker to read again.


def test_latin1_book_with_core_font(book, monkeypatch):
    monkeypatch.setattr("tests.unit.pipeline.conftest.DEJAVU", DEJAVU.with_name("missing.ttf"))
    pdf = book([["Il était une fois un petit garçon qui vivait près de la forêt", "de Fontainebleau."]])
    assert list(iter_paragraphs(pdf)) == [
        "Il était une fois un petit garçon qui vivait près de la forêt de Fontainebleau."
    ]


# Paragraphs whose last line runs to the margin: only the layout shows where they end.
FULL_LAST_LINES = [
    "Il marcha longtemps dans la campagne déserte, sans rencontrer personne,",
    "et il arriva enfin devant la maison de son enfance, au bord du fleuve.",
    "La porte était ouverte ; une vieille femme l'attendait sur le seuil, immobile.",
    "Elle le reconnut aussitôt et lui sourit doucement sans dire un seul mot.",
]


@needs_dejavu
@pytest.mark.parametrize(
    "layout",
    [
        pytest.param(lambda lines: [lines[0], lines[1], "", lines[2], lines[3]], id="extra-leading"),
        pytest.param(lambda lines: [lines[0], lines[1], "\t" + lines[2], lines[3]], id="indent"),
    ],
)
def test_layout_shows_paragraph_breaks(book, layout):
    pdf = book([layout(FULL_LAST_LINES)])
    assert list(iter_paragraphs(pdf)) == [
        " ".join(FULL_LAST_LINES[:2]),
        " ".join(FULL_LAST_LINES[2:]),
    ]


@needs_dejavu
def test_without_layout_signs_full_lines_stay_one_paragraph(book):
    pdf = book([FULL_LAST_LINES])
    assert list(iter_paragraphs(pdf)) == [" ".join(FULL_LAST_LINES)]


@needs_dejavu
def test_a_gap_inside_a_sentence_does_not_break_it(book):
    lines = [FULL_LAST_LINES[0], "", *FULL_LAST_LINES[1:]]
    assert list(iter_paragraphs(book([lines]))) == [" ".join(FULL_LAST_LINES)]
