"""The local normaliser: pieces within the limit, every word kept in order, cuts between constituents."""

import os
import re
import subprocess
import sys
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zope.interface.verify import verifyObject

from novel_pyramid.config import load_settings
from novel_pyramid.normalizers.interfaces import INormalizer
from novel_pyramid.normalizers.local import LocalNormalizer, split_long_sentences, split_sentence
from novel_pyramid.pipeline import french
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
    output = LocalNormalizer().rewrite(sentences, limit).sentences

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
            # The object "à tout ce qu'il avait perdu" stays whole ("Et il pensait à tout." said something else).
            ["L'abbé regardait le port.", "Et il pensait.", "À tout ce qu'il avait perdu depuis longtemps !"],
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
    assert LocalNormalizer().rewrite(sentences, 3).sentences == sentences


def test_blank_sentences_are_skipped():
    assert LocalNormalizer().rewrite(["", "  ", "Il pleut."], 8).sentences == ["Il pleut."]


def test_limit_must_be_positive():
    with pytest.raises(ValueError):
        split_sentence("un deux", 0)


def test_implements_the_interface():
    normalizer = LocalNormalizer.from_settings(load_settings({}, {}))
    assert verifyObject(INormalizer, normalizer)
    # The model's version is part of the key: another model cuts differently.
    assert (normalizer.name, normalizer.cache_key) == ("local", "local:v2:fr_core_news_sm-3.8.0")


@pytest.mark.parametrize("limit", [3, 5, 8])
@pytest.mark.parametrize(
    "sentence",
    [
        "La jeune femme aux cheveux gris traversait la place du marché sous la pluie fine de novembre.",
        "Le Dr Martin cherchait ses clés dans la poche de son manteau qu'il avait laissé sur la chaise.",
        "Le vieux pêcheur observait les passants depuis le quai où il réparait ses filets chaque matin.",
        "M. Dupont et Mme Martin ont pris le train de la S.N.C.F. à 3,5 km de Lyon, voir p. 42 du guide.",
    ],
)
def test_no_piece_ends_with_a_word_that_leans_on_the_next(sentence, limit):
    pieces = split_sentence(sentence, limit)

    assert all(1 <= count_words(piece) <= limit for piece in pieces)
    for piece in pieces:
        last = piece.rstrip(" .!?…»").split()[-1].casefold()
        assert last not in ("la", "le", "les", "ses", "son", "dans", "depuis", "de", "du", "à", "qu'il", "il", "où")
        assert last not in ("m.", "mme", "dr", "p.", "3,5", "avait")


@pytest.mark.parametrize(
    ("sentence", "together"),
    [
        ("Le Dr Martin et M. Dupont lisaient la page 42 du registre.", ("Dr Martin", "M. Dupont", "page 42")),
        ("Le train partit à 8 h 15 précises pour la gare du Nord.", ("8 h 15",)),
        ("Mme Lefèvre avait noté la référence p. 42 dans son carnet.", ("Mme Lefèvre", "p. 42")),
        ("À la tombée de la nuit, le capitaine Morel s'en alla sous la pluie fine.", ("capitaine Morel",)),
    ],
)
def test_titles_names_and_numbers_stay_together(sentence, together):
    for limit in (4, 5, 6):
        pieces = [piece.casefold() for piece in split_sentence(sentence, limit)]
        for words in together:
            assert any(words.casefold() in piece for piece in pieces), (limit, pieces)


def test_gemini_fallback_batch_keeps_order_and_short_sentences():
    short, long = "Il pleut.", "Le capitaine regarda la mer pendant que les marins préparaient les voiles."
    assert split_long_sentences([short, long, short], 7) == [
        short,
        "Le capitaine regarda la mer.",
        "Pendant que les marins préparaient les voiles.",
        short,
    ]


def _python(code):
    """Run ``code`` in a fresh interpreter (a process whose model is not loaded yet); its output."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_sentences_within_the_limit_are_not_parsed():
    output = _python(
        "from novel_pyramid.normalizers.local import LocalNormalizer\n"
        "from novel_pyramid.pipeline import french\n"
        "LocalNormalizer().rewrite(['Il pleut.', 'Le vent souffle fort ce soir.'], 8).sentences\n"
        "print(french.pipeline_loaded())\n"
    )
    assert output == "False"


def test_the_model_is_loaded_once_by_many_threads():
    output = _python(
        "import logging, threading\n"
        "from novel_pyramid.pipeline import french\n"
        "logging.basicConfig(level=logging.INFO, format='%(message)s')\n"
        "results = []\n"
        "threads = [threading.Thread(target=lambda: results.append(id(french.pipeline()))) for _ in range(8)]\n"
        "[thread.start() for thread in threads]\n"
        "[thread.join() for thread in threads]\n"
        "print(len(set(results)), len(results))\n"
    )
    assert output == "1 8"


def test_a_forked_child_loads_its_own_model():
    parent_model = french.pipeline()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        try:
            inherited = french.pipeline_loaded()
            own = french.pipeline() is not parent_model and french.pipeline_loaded()
            os.write(write, f"{inherited} {own}".encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 100).decode() == "False True"
    os.close(read)
    assert french.pipeline() is parent_model


def test_parsing_is_safe_from_many_threads():
    sentences = [
        "Le capitaine regarda la mer pendant que les marins préparaient les voiles, et il pensa à sa femme.",
        "La jeune femme aux cheveux gris traversait la place du marché sous la pluie fine de novembre.",
    ] * 10
    expected = LocalNormalizer().rewrite(sentences, 6).sentences
    outputs = []
    threads = [
        threading.Thread(target=lambda: outputs.append(LocalNormalizer().rewrite(sentences, 6).sentences))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outputs == [expected] * 4


def test_ten_thousand_words_in_a_few_seconds():
    sentence = (
        "Le capitaine regarda longtemps la mer grise pendant que les marins préparaient les "
        "voiles, et il pensa à sa femme qui l'attendait à Marseille depuis trois longues années."
    )
    sentences = [sentence] * (10_000 // count_words(sentence) + 1)
    LocalNormalizer().warm_up()
    started = time.perf_counter()
    LocalNormalizer().rewrite(sentences, 8)
    # Generous bound for a loaded CI machine; bench/pipeline_offline.py measures 100,000 words properly.
    assert time.perf_counter() - started < 10
