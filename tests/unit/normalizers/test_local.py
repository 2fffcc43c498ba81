"""The local normaliser: pieces within the limit, every word kept in order, sensible cuts."""

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zope.interface.verify import verifyObject

from novel_pyramid.normalizers.interfaces import INormalizer
from novel_pyramid.normalizers.local import LocalNormalizer, split_sentence
from novel_pyramid.pipeline.words import count_words

# Generated French: words, elisions, compounds, numbers, and the punctuation
# marks that shape cuts (commas, semicolons, quotes, dashes, ellipses), with
# French spacing around them.
VOCABULARY = [
    "le",
    "la",
    "les",
    "un",
    "une",
    "homme",
    "femme",
    "maison",
    "mer",
    "capitaine",
    "marchait",
    "regardait",
    "pensait",
    "lentement",
    "toujours",
    "très",
    "grand",
    "petite",
    "Paris",
    "Marseille",
    "l'homme",
    "d'abord",
    "qu'il",
    "aujourd'hui",
    "Jean-François",
    "peut-être",
    "demanda-t-il",
    "et",
    "mais",
    "ou",
    "donc",
    "car",
    "puis",
    "qui",
    "que",
    "dont",
    "où",
    "quand",
    "lorsque",
    "puisque",
    "parce",
    "tandis",
    "alors",
    "1.000",
    "3,14",
    "XIXe",
    "œuvre",
    "sœur",
    "Été",
]
PUNCTUATION = [",", ";", ":", "…", "?", "!", "«", "»", "—", "(", ")", "..."]
TOKEN = st.one_of(
    st.sampled_from(VOCABULARY),
    st.sampled_from(VOCABULARY).map(lambda word: word + ","),
    st.sampled_from(PUNCTUATION),
)
SENTENCE = st.builds(
    lambda tokens, end: " ".join(tokens) + end,
    st.lists(TOKEN, min_size=1, max_size=120),
    st.sampled_from([".", " !", " ?", "…", " »", ""]),
)


def words_of(text):
    """Words compared case-folded with punctuation stripped, in order."""
    return re.findall(r"\w+", text.casefold())


@settings(max_examples=300, deadline=None)
@given(sentence=SENTENCE, limit=st.integers(min_value=3, max_value=50))
def test_every_piece_is_within_the_limit_and_every_word_is_kept(sentence, limit):
    pieces = split_sentence(sentence, limit)

    if count_words(sentence) <= limit:
        assert pieces == [sentence]
    else:
        assert all(1 <= count_words(piece) <= limit for piece in pieces)
    assert words_of(" ".join(pieces)) == words_of(sentence)


@settings(max_examples=50, deadline=None)
@given(sentences=st.lists(SENTENCE, max_size=20), limit=st.integers(min_value=3, max_value=50))
def test_normalize_keeps_order_and_limit(sentences, limit):
    output = LocalNormalizer().normalize(sentences, limit)

    assert all(piece.strip() and count_words(piece) <= limit for piece in output)
    assert words_of(" ".join(output)) == words_of(" ".join(sentences))


@pytest.mark.parametrize(
    ("sentence", "limit", "expected"),
    [
        (
            "Il pleuvait ; les enfants jouaient dans le jardin et les parents lisaient au salon.",
            8,
            ["Il pleuvait.", "Les enfants jouaient dans le jardin.", "Et les parents lisaient au salon."],
        ),
        (
            (
                "Le capitaine regarda la mer pendant que les marins préparaient les voiles, et il "
                "pensa à sa femme qui l'attendait à Marseille depuis trois longues années."
            ),
            8,
            [
                "Le capitaine regarda la mer.",
                "Pendant que les marins préparaient les voiles.",
                "Et il pensa à sa femme.",
                "Qui l'attendait à Marseille depuis trois longues années.",
            ],
        ),
        (
            ("— Je ne sais pas, répondit le vieil homme en secouant lentement la tête, mais je crois que oui."),
            8,
            [
                "— Je ne sais pas.",
                "Répondit le vieil homme.",
                "En secouant lentement la tête.",
                "Mais je crois que oui.",
            ],
        ),
        (
            "Elle resta chez elle parce que la pluie tombait fort.",
            8,
            ["Elle resta chez elle.", "Parce que la pluie tombait fort."],
        ),
        (
            "Il resta dans la grande maison parce qu'il pleuvait très fort sur la campagne.",
            8,
            ["Il resta dans la grande maison.", "Parce qu'il pleuvait très fort sur la campagne."],
        ),
        (
            "L'abbé regardait le port, et il pensait à tout ce qu'il avait perdu depuis longtemps !",
            8,
            ["L'abbé regardait le port.", "Et il pensait à tout.", "Ce qu'il avait perdu depuis longtemps !"],
        ),
        (
            "« Viens-tu avec nous ce soir au théâtre ? » demanda-t-il à sa sœur.",
            8,
            ["« Viens-tu avec nous ce soir au théâtre ? »", "Demanda-t-il à sa sœur."],
        ),
        (
            "Il avait trois choses à faire : écrire une lettre, acheter du pain et voir son frère.",
            8,
            ["Il avait trois choses à faire.", "Écrire une lettre.", "Acheter du pain et voir son frère."],
        ),
    ],
)
def test_cuts_at_clause_boundaries(sentence, limit, expected):
    assert split_sentence(sentence, limit) == expected


def test_without_any_boundary_cuts_into_balanced_pieces():
    sentence = " ".join(["mot"] * 20) + "."
    pieces = split_sentence(sentence, 8)
    assert sorted(count_words(piece) for piece in pieces) == [6, 7, 7]


def test_quotes_and_dashes_stay_with_their_words():
    sentence = "Il répéta « non » dix fois — puis il se tut devant la porte close de la maison."
    for limit in range(3, 10):
        for piece in split_sentence(sentence, limit):
            assert not piece.rstrip(".").endswith(("«", "—"))
            assert not piece.startswith("»")


def test_short_sentences_pass_through_unchanged():
    sentences = ["oui", "  Il   pleut  ", "« Non ! »", "…"]
    assert LocalNormalizer().normalize(sentences, 3) == sentences


def test_blank_sentences_are_skipped():
    assert LocalNormalizer().normalize(["", "  ", "Il pleut."], 8) == ["Il pleut."]


def test_limit_must_be_positive():
    with pytest.raises(ValueError):
        split_sentence("un deux", 0)


def test_implements_the_interface():
    normalizer = LocalNormalizer.from_settings({})
    assert verifyObject(INormalizer, normalizer)
    assert (normalizer.name, normalizer.cache_key) == ("local", "local:v1")


def test_hundred_thousand_words_in_well_under_three_seconds():
    sentence = (
        "Le capitaine regarda longtemps la mer grise pendant que les marins préparaient les "
        "voiles, et il pensa à sa femme qui l'attendait à Marseille depuis trois longues années."
    )
    sentences = [sentence] * (100_000 // count_words(sentence) + 1)
    started = time.perf_counter()
    LocalNormalizer().normalize(sentences, 8)
    # Generous bound for a loaded CI machine; bench/pipeline_offline.py measures properly.
    assert time.perf_counter() - started < 10
