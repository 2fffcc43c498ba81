"""Page lines to paragraphs, on strings: characters, hyphenation, running lines."""

import pytest

from novel_pyramid.pipeline.layout import normalise_characters, paragraphs_from_pages, strip_running_lines


def test_ligatures_apostrophes_and_spaces_are_normalised():
    text = "L\u2019homme \ufb01t \ufb02\u00e2ner l\u2018\ufb00et\u02bcs\u00a0;\u202f!\u200b le c\u0153ur"
    assert normalise_characters(text) == "L'homme fit flâner l'ffet's ; ! le cœur"


@pytest.mark.parametrize(
    ("first", "second", "joined"),
    [
        ("le capitai-", "ne partit", "le capitaine partit"),
        ("il deman-", "da", "il demanda"),
        ("« Viens-tu ? demanda-", "t-il.", "« Viens-tu ? demanda-t-il."),
        ("parla Jean-", "François.", "parla Jean-François."),
        ("Peut-", "être viendra-t-il.", "Peut-être viendra-t-il."),
        ("dit-", "elle doucement.", "dit-elle doucement."),
        ("Regarde-", "moi !", "Regarde-moi !"),
        ("Est-", "ce vrai ?", "Est-ce vrai ?"),
        ("celui-", "là partit.", "celui-là partit."),
        ("ceux-", "ci restèrent.", "ceux-ci restèrent."),
        ("lui-", "même.", "lui-même."),
        ("c'est-", "à-dire demain", "c'est-à-dire demain"),
        ("de 1914-", "1918", "de 1914-1918"),
        ("une bel-", "le journée", "une belle journée"),
        ("la cou-", "leur du ciel", "la couleur du ciel"),
        ("un ter\u00adrible", "orage", "un terrible orage"),
        ("ter\u00ad", "rible", "terrible"),
        ("un trait —", "puis rien", "un trait — puis rien"),
        # An inversion cut anywhere keeps its real hyphens, and only those.
        ("« Viens ! » deman-", "da-t-il.", "« Viens ! » demanda-t-il."),
        ("« Viens ! » demand-", "a-t-il.", "« Viens ! » demanda-t-il."),
        ("« Viens ! » dem-", "anda-t-il.", "« Viens ! » demanda-t-il."),
        ("« Viens ! » de-", "manda-t-il.", "« Viens ! » demanda-t-il."),
        ("« Viens ! » demanda-t-", "il.", "« Viens ! » demanda-t-il."),
        ("« Viens ! » demanda", "-t-il.", "« Viens ! » demanda-t-il."),
        ("— Oui, répon-", "dit-elle.", "— Oui, répondit-elle."),
        ("— Où, deman-", "da-t-elle ?", "— Où, demanda-t-elle ?"),
        ("Sem-", "ble-t-il.", "Semble-t-il."),
        ("qu'est-", "ce que c'est ?", "qu'est-ce que c'est ?"),
        ("il viendra peut-", "être demain", "il viendra peut-être demain"),
        ("il viendra peu-", "t-être demain", "il viendra peut-être demain"),
        ("il part aujour-", "d'hui même", "il part aujourd'hui même"),
        ("il part au-", "jourd'hui même", "il part aujourd'hui même"),
        ("il part aujourd'", "hui même", "il part aujourd'hui même"),
        # Compounds keep their hyphen; syllable breaks lose theirs.
        ("sa grand-", "mère arriva", "sa grand-mère arriva"),
        ("un porte-", "monnaie vide", "un porte-monnaie vide"),
        ("vingt-", "deux ans", "vingt-deux ans"),
        ("quelques-", "uns restèrent", "quelques-uns restèrent"),
        ("un arc-", "en-ciel", "un arc-en-ciel"),
        ("donne-", "le-moi", "donne-le-moi"),
        ("sur-", "le-champ", "sur-le-champ"),
        ("la for-", "ce du vent", "la force du vent"),
        ("et pour-", "tant il resta", "et pourtant il resta"),
        ("il sai-", "t-il ?", "il sait-il ?"),
        # Names and numbers are never glued to the next line's word; a name cut by syllables is mended.
        ("M. Du-", "pont arriva", "M. Dupont arriva"),
        ("Mme Lefè-", "vre arriva", "Mme Lefèvre arriva"),
        ("Marie-", "Claire et Jean-", "Marie-Claire et Jean-"),
        ("la rue Saint-", "Honoré", "la rue Saint-Honoré"),
        ("les années 1914-", "1918", "les années 1914-1918"),
        ("de 3-", "4 heures", "de 3-4 heures"),
        # Words the lexicon lacks: a syllable break, unless a hyphen tail follows.
        ("il schtroum-", "pfa la porte", "il schtroumpfa la porte"),
        ("il schtroum-", "pfa-t-il.", "il schtroumpfa-t-il."),
        ("schtroumpfa-", "t-il.", "schtroumpfa-t-il."),
    ],
)
def test_line_joining(first, second, joined):
    assert list(paragraphs_from_pages([[first, second]])) == [joined]


def test_a_closing_quote_at_a_line_end_is_no_elision():
    assert list(paragraphs_from_pages([["il dit 'non'", "et partit"]])) == ["il dit 'non' et partit"]


def test_a_paragraph_runs_across_a_page_break():
    full = "x" * 60
    pages = [[full, full, full, full, "et le capi-"], ["taine arriva enfin au port de la ville de Marseille.", "Fin."]]
    assert list(paragraphs_from_pages(pages)) == [
        f"{full} {full} {full} {full} et le capitaine arriva enfin au port de la ville de Marseille. Fin."
    ]


def test_short_line_ending_a_sentence_ends_the_paragraph():
    full = "Une ligne pleine de texte qui va jusqu'à la marge de la page"
    pages = [[full, full, "se termine ici.", "Chapitre deux", full, full, full]]
    assert list(paragraphs_from_pages(pages)) == [
        f"{full} {full} se termine ici.",
        "Chapitre deux",  # A line far short of the margin is a title, whatever its last character.
        f"{full} {full} {full}",
    ]


def test_a_short_fragment_followed_by_lowercase_is_not_a_title():
    full = "Une ligne pleine de texte qui va jusqu'à la marge de la page"
    pages = [[full, full, "Le 1", "er janvier, il partit pour Paris avec son frère et ses amis.", full]]
    assert list(paragraphs_from_pages(pages)) == [
        f"{full} {full} Le 1 er janvier, il partit pour Paris avec son frère et ses amis. {full}"
    ]


def test_dialogue_line_starts_a_paragraph():
    pages = [["— Oui, dit-il, je viendrai demain matin sans faute, je te le promets.", "— Non !"]]
    assert list(paragraphs_from_pages(pages)) == [
        "— Oui, dit-il, je viendrai demain matin sans faute, je te le promets.",
        "— Non !",
    ]


BODY = "Il était une fois un roi qui avait onze fils tous différents".split()


def test_running_lines_detection_on_strings():
    pages = [
        [f"{number} LE COMTE" if number % 2 else f"ALEXANDRE DUMAS {number}", BODY[number], f"- {number} -"]
        for number in range(11)
    ]
    stripped = list(strip_running_lines(pages))
    assert stripped == [[BODY[number]] for number in range(11)]


def test_a_line_repeated_on_one_other_page_only_is_kept():
    pages = [["Chapitre premier", "a"], ["b", "e"], ["Chapitre premier", "f"], ["g", "h"], ["j", "k"]]
    assert list(strip_running_lines(pages)) == pages
