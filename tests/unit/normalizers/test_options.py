"""The processing options and the sources, as every normaliser applies them: offline, and Gemini through the fake.

Each option is shown by what it changes in the output of the same input.
"""

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zope.interface.verify import verifyObject

from novel_pyramid.config import load_settings
from novel_pyramid.errors.exceptions import UpstreamError
from novel_pyramid.normalizers.interfaces import INormalizer
from novel_pyramid.normalizers.local import LocalNormalizer, split_each
from novel_pyramid.normalizers.results import Rewrite, Usage
from novel_pyramid.normalizers.typography import is_dialogue, join_pieces, merge_short_pieces, plain_typography
from novel_pyramid.pipeline.options import ProcessingOptions
from novel_pyramid.pipeline.words import count_words
from tests.fakes.gemini_server import answer, count_tokens, echo, http_error, raw_text, rewrites_json, thinking
from tests.unit.normalizers.test_local import SENTENCE, words_of

LIMIT = 8
SHORT = "Il faisait froid ce matin-là."
LONG = (
    "Le vieil homme marchait lentement le long de la rivière, en regardant "
    "les bateaux qui passaient sous le vieux pont de pierre."
)
SEMICOLON = "Il pleuvait ; les enfants jouaient dans le jardin et les parents lisaient au salon."
DIALOGUE = "« Je ne sais pas, dit-elle, si nous reviendrons un jour dans cette maison où nous avons été heureux. »"
DASHED = "— Nous partirons demain matin, répondit-il sans lever les yeux de son livre ouvert."
TYPOGRAPHY = "« Attends\u00a0! » cria-t-il — trop tard… puis il repartit vers la gare du Nord, l’air sombre et las."
GEMINI_PIECES = [
    "Le vieil homme marchait lentement.",
    "Il longeait la rivière.",
    "Il regardait les bateaux.",
    "Ils passaient sous le vieux pont.",
    "De pierre.",
]

DIALOGUE_OFF = ProcessingOptions(ignore_dialogue=True)
PLAIN = ProcessingOptions(preserve_formatting=False)
NO_MINIMUM = ProcessingOptions(min_sentence_length=1)
MINIMUM_3 = ProcessingOptions(min_sentence_length=3)


def outputs_of(rewrite, index):
    """The output sentences that came from input ``index``."""
    return [out for out, source in zip(rewrite.sentences, rewrite.sources, strict=True) if source == index]


def within_limit(sentences, limit=LIMIT):
    return all(sentence.strip() and count_words(sentence) <= limit for sentence in sentences)


def words(text):
    return [word.strip(".,;:!?«»\"'…—–").casefold() for word in text.split() if count_words(word)]


# The shared pieces, on strings


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("« Viens ! »", True),
        ("“Viens !”", True),
        ('"Viens !"', True),
        ("— Viens !", True),
        ("– Viens !", True),
        ("  — Viens !", True),
        ("Il dit : « Viens ! »", False),
        ("Jean-François vint.", False),
        ("- Viens !", False),
    ],
)
def test_dialogue_is_what_opens_with_a_quote_or_a_dialogue_dash(sentence, expected):
    assert is_dialogue(sentence) is expected


@pytest.mark.parametrize(
    "text, plain",
    [
        ("« Oui », dit-il.", '"Oui", dit-il.'),
        ("«\u00a0Oui\u00a0»\u202f!", '"Oui" !'),
        ("“Oui”, dit-il, ‘peut-être’.", "\"Oui\", dit-il, 'peut-être'."),
        ("— Viens, dit-elle.", "Viens, dit-elle."),
        ("– Viens.", "Viens."),
        ("- Viens.", "Viens."),
        ("Il vint — enfin — chez nous…", "Il vint - enfin - chez nous..."),
        ("Il\u00a0vint.", "Il vint."),
        ("Jean-François vint.", "Jean-François vint."),
    ],
)
def test_plain_typography(text, plain):
    assert plain_typography(text) == plain


def test_merging_restores_the_source_s_punctuation_and_case_where_the_pieces_meet():
    assert join_pieces("Il pleuvait.", "Les enfants jouaient.", SEMICOLON) == "Il pleuvait ; les enfants jouaient."
    assert join_pieces("Sous le vieux pont.", "De pierre.", LONG) == "Sous le vieux pont de pierre."
    # Words a model wrote: the point goes, the capital too where the source writes the word in lower case.
    assert join_pieces("Il longeait l'eau.", "De pierre.", LONG) == "Il longeait l'eau de pierre."
    assert join_pieces("Il vit Paris.", "Paris dormait.", "Il vit Paris ; Paris dormait.") == (
        "Il vit Paris ; Paris dormait."
    )
    assert join_pieces("Il vit la ville.", "Marseille dormait.", "Il vit la ville où Marseille dormait.") == (
        "Il vit la ville Marseille dormait."
    )


def test_a_short_piece_goes_to_its_shorter_neighbour_and_only_within_the_limit():
    pieces = ["Un deux trois quatre cinq.", "Six.", "Sept huit."]
    source = "Un deux trois quatre cinq, six, sept huit."

    assert merge_short_pieces(pieces, source, 8, 2) == ["Un deux trois quatre cinq.", "Six, sept huit."]
    assert merge_short_pieces(pieces, source, 8, 1) == pieces
    # Nowhere to go within the limit: kept as it is.
    assert merge_short_pieces(["Un deux trois.", "Quatre.", "Cinq six sept."], source, 3, 2) == [
        "Un deux trois.",
        "Quatre.",
        "Cinq six sept.",
    ]
    # A piece of punctuation alone (no word) always goes.
    assert merge_short_pieces(["Il dort.", "»"], "« Il dort. »", 2, 1) == ["Il dort. »"]


# The offline normaliser


@pytest.fixture(scope="module")
def local():
    return LocalNormalizer.from_settings(load_settings({}, {}))


def test_local_rewrite_maps_every_output_sentence_to_its_input(local):
    chunk = [SHORT, "", LONG, "Il dort."]

    rewrite = local.rewrite(chunk, LIMIT)

    assert isinstance(rewrite, Rewrite)
    assert rewrite.sentences[0] == SHORT and rewrite.sentences[-1] == "Il dort."
    assert rewrite.sources == [0] + [2] * (len(rewrite.sentences) - 2) + [3]
    assert rewrite.sentences[1:-1] == split_each([LONG], LIMIT)[0]
    verifyObject(INormalizer, local)


def test_local_ignore_dialogue_keeps_dialogue_as_it_is(local):
    chunk = [DIALOGUE, LONG, DASHED]

    normal = local.rewrite(chunk, LIMIT)
    ignoring = local.rewrite(chunk, LIMIT, DIALOGUE_OFF)

    assert DIALOGUE not in normal.sentences and DASHED not in normal.sentences
    assert within_limit(normal.sentences)
    assert ignoring.sentences == [DIALOGUE, *split_each([LONG], LIMIT)[0], DASHED]
    assert ignoring.sources == [0] + [1] * (len(ignoring.sentences) - 2) + [2]
    # What was never handed to the normaliser costs nothing.
    assert ignoring.input_tokens == math.ceil(len(LONG) / 4)


def test_local_min_sentence_length_merges_short_pieces_into_their_neighbours(local):
    no_minimum = local.rewrite([SEMICOLON], LIMIT, NO_MINIMUM)
    minimum = local.rewrite([SEMICOLON], LIMIT, MINIMUM_3)

    assert no_minimum.sentences == [
        "Il pleuvait.",
        "Les enfants jouaient dans le jardin.",
        "Et les parents lisaient au salon.",
    ]
    assert minimum.sentences == [
        "Il pleuvait ; les enfants jouaient dans le jardin.",
        "Et les parents lisaient au salon.",
    ]
    assert minimum.sources == [0, 0]
    assert within_limit(minimum.sentences) and words(" ".join(minimum.sentences)) == words(SEMICOLON)


def test_local_min_sentence_length_never_merges_pieces_of_different_sentences(local):
    rewrite = local.rewrite(["Il dort.", "Oui.", SEMICOLON], LIMIT, ProcessingOptions(min_sentence_length=5))

    assert rewrite.sentences[:2] == ["Il dort.", "Oui."]
    assert rewrite.sources[:2] == [0, 1]


def test_local_preserve_formatting_off_writes_plain_typography(local):
    kept = local.rewrite([TYPOGRAPHY, DASHED], LIMIT)
    plain = local.rewrite([TYPOGRAPHY, DASHED], LIMIT, PLAIN)

    kept_text, plain_text = " ".join(kept.sentences), " ".join(plain.sentences)
    assert "«" in kept_text and "…" in kept_text and "—" in kept_text and "’" in kept_text
    for mark in ("«", "»", "…", "—", "’", "\u00a0"):
        assert mark not in plain_text
    assert plain.sentences[0].startswith('"Attends !" cria-t-il')
    assert "..." in plain_text
    assert outputs_of(plain, 1)[0].startswith("Nous")
    assert words(plain_text) == words(kept_text.replace("’", "'"))


def test_local_formatting_applies_to_the_dialogue_it_keeps(local):
    rewrite = local.rewrite([DIALOGUE], LIMIT, ProcessingOptions(ignore_dialogue=True, preserve_formatting=False))

    assert rewrite.sentences == [plain_typography(DIALOGUE)]
    assert rewrite.sentences[0].startswith('"Je ne sais pas')


def test_local_counts_tokens_from_characters_read_and_written_and_calls_no_model():
    chunk = [SHORT, LONG]
    normalizer = LocalNormalizer.from_settings(load_settings({"credits.estimate.chars_per_token": 3.0}, {}))

    rewrite = normalizer.rewrite(chunk, LIMIT, NO_MINIMUM)

    assert rewrite.input_tokens == math.ceil((len(SHORT) + len(LONG)) / 3)
    assert rewrite.output_tokens == math.ceil(sum(map(len, rewrite.sentences)) / 3)
    assert rewrite.model_calls == 0
    assert rewrite.usage == Usage(rewrite.input_tokens, rewrite.output_tokens, 0)


def test_local_ignores_the_model_argument(local):
    assert local.rewrite([LONG], LIMIT, model="gemini-2.5-pro") == local.rewrite([LONG], LIMIT)


def test_an_empty_chunk_is_an_empty_rewrite(local):
    assert local.rewrite([], LIMIT) == Rewrite([], [], 0, 0, 0)
    assert local.rewrite(["  "], LIMIT) == Rewrite([], [], 0, 0, 0)


# Gemini, through the fake server and the real SDK


def test_gemini_sources_are_exact_from_the_per_sentence_answer(fake_gemini, make_normalizer):
    fake_gemini.script(answer(SHORT, GEMINI_PIECES[:4] + ["Le pont était de pierre."], "Il dort."))

    rewrite = make_normalizer().rewrite([SHORT, LONG, "", "Il dort."], LIMIT)

    assert rewrite.sentences == [SHORT, *GEMINI_PIECES[:4], "Le pont était de pierre.", "Il dort."]
    assert rewrite.sources == [0, 1, 1, 1, 1, 1, 3]
    [request] = fake_gemini.requests
    assert request.sentences == [SHORT, LONG, "Il dort."]  # blank sentences are not sent


def test_gemini_answer_with_the_wrong_number_of_rewrites_is_retried(fake_gemini, make_normalizer):
    fake_gemini.script(answer(SHORT), answer(SHORT, GEMINI_PIECES[:4]))

    rewrite = make_normalizer().rewrite([SHORT, LONG], LIMIT)

    assert rewrite.sources == [0, 1, 1, 1, 1]
    assert len(fake_gemini.requests) == 2


def test_gemini_ignore_dialogue_never_sends_dialogue(fake_gemini, make_normalizer):
    normalizer = make_normalizer()

    ignoring = normalizer.rewrite([DIALOGUE, LONG, DASHED], LIMIT, DIALOGUE_OFF)

    [request] = fake_gemini.requests
    assert request.sentences == [LONG]
    assert ignoring.sentences[0] == DIALOGUE and ignoring.sentences[-1] == DASHED
    assert ignoring.sources[0] == 0 and ignoring.sources[-1] == 2
    fake_gemini.reset()

    normal = normalizer.rewrite([DIALOGUE, LONG, DASHED], LIMIT)

    assert fake_gemini.requests[0].sentences == [DIALOGUE, LONG, DASHED]
    assert DIALOGUE not in normal.sentences and within_limit(normal.sentences)


def test_gemini_chunk_of_long_dialogue_only_makes_no_call_when_dialogue_is_ignored(fake_gemini, make_normalizer):
    rewrite = make_normalizer().rewrite([DIALOGUE, SHORT], LIMIT, DIALOGUE_OFF)

    assert rewrite == Rewrite([DIALOGUE, SHORT], [0, 1], 0, 0, 0)
    assert fake_gemini.requests == []


def test_gemini_min_sentence_length_merges_the_model_s_short_pieces(fake_gemini, make_normalizer):
    fake_gemini.script(answer(GEMINI_PIECES), answer(GEMINI_PIECES))
    normalizer = make_normalizer()

    assert normalizer.rewrite([LONG], LIMIT, NO_MINIMUM).sentences == GEMINI_PIECES
    merged = normalizer.rewrite([LONG], LIMIT, MINIMUM_3)

    assert merged.sentences == [*GEMINI_PIECES[:3], "Ils passaient sous le vieux pont de pierre."]
    assert merged.sources == [0, 0, 0, 0]


def test_gemini_preserve_formatting_off_writes_the_model_s_answer_in_plain_typography(fake_gemini, make_normalizer):
    pieces = [
        "« Attends\u00a0! » cria-t-il.",
        "— C'était trop tard…",
        "Il repartit vers la gare du Nord.",
        "“L’air sombre et las”.",
    ]
    fake_gemini.script(answer(pieces), answer(pieces))
    normalizer = make_normalizer()

    assert normalizer.rewrite([TYPOGRAPHY], LIMIT).sentences == pieces
    plain = normalizer.rewrite([TYPOGRAPHY], LIMIT, PLAIN)

    assert plain.sentences == [
        '"Attends !" cria-t-il.',
        "C'était trop tard...",
        "Il repartit vers la gare du Nord.",
        '"L\'air sombre et las".',
    ]


def test_gemini_model_argument_chooses_the_model_called_but_not_the_cache_key(fake_gemini, make_normalizer):
    normalizer = make_normalizer()
    key = normalizer.cache_key

    normalizer.rewrite([LONG], LIMIT, model="gemini-2.5-pro")
    normalizer.rewrite([LONG], LIMIT)

    assert [request.model for request in fake_gemini.requests] == ["gemini-2.5-pro", "gemini-2.5-flash"]
    assert normalizer.cache_key == key == "gemini:gemini-2.5-flash:2"


# Gemini's tokens: the usage metadata of every call


def prompt_tokens(requests):
    return sum(count_tokens(request.prompt_text) for request in requests)


def test_gemini_tokens_are_the_usage_metadata_of_the_call(fake_gemini, make_normalizer):
    rewrites = [[SHORT], GEMINI_PIECES[:4] + ["Le pont était de pierre."]]
    fake_gemini.script(answer(*rewrites))

    rewrite = make_normalizer().rewrite([SHORT, LONG], LIMIT)

    assert rewrite.input_tokens == prompt_tokens(fake_gemini.requests) > 0
    assert rewrite.output_tokens == count_tokens(rewrites_json(rewrites))
    assert rewrite.model_calls == 1


def test_gemini_tokens_add_up_retries_corrections_and_thoughts(fake_gemini, make_normalizer):
    malformed = '{"rewrites": [["Le vieil'
    corrected = GEMINI_PIECES[:4] + ["Le pont était de pierre."]
    fake_gemini.script(
        http_error(429),  # a call, no tokens
        raw_text(malformed),  # a call whose tokens count though its answer is unusable
        thinking(50, echo()),  # the answer leaves LONG too long, after 50 thought tokens
        answer(corrected),  # the correction round
    )

    rewrite = make_normalizer(max_retries=3).rewrite([SHORT, LONG], LIMIT)

    requests = fake_gemini.requests
    assert len(requests) == 4 and requests[-1].sentences == [LONG]
    assert rewrite.sentences == [SHORT, *corrected]
    assert rewrite.model_calls == 4
    assert rewrite.input_tokens == prompt_tokens(requests[1:])
    assert rewrite.output_tokens == (
        count_tokens(malformed)
        + count_tokens(rewrites_json([[SHORT], [LONG]]))
        + 50
        + count_tokens(rewrites_json([corrected]))
    )


def test_gemini_chunk_within_the_limit_uses_no_tokens(fake_gemini, make_normalizer):
    assert make_normalizer().rewrite([SHORT], LIMIT) == Rewrite([SHORT], [0], 0, 0, 0)
    assert fake_gemini.requests == []


def test_gemini_failure_carries_the_usage_of_the_calls_that_failed(fake_gemini, make_normalizer):
    fake_gemini.script(raw_text("pas du JSON"), raw_text("toujours pas"), raw_text("non"))

    with pytest.raises(UpstreamError) as failure:
        make_normalizer(max_retries=4).rewrite([LONG], LIMIT)

    requests = fake_gemini.requests
    assert failure.value.usage == Usage(
        prompt_tokens(requests),
        count_tokens("pas du JSON") + count_tokens("toujours pas") + count_tokens("non"),
        3,
    )


# Whatever the options: words kept, limit kept, sources in order


@settings(max_examples=150, deadline=None)
@given(
    sentences=st.lists(SENTENCE, max_size=6),
    limit=st.integers(min_value=3, max_value=20),
    minimum=st.integers(min_value=1, max_value=8),
    ignore_dialogue=st.booleans(),
    preserve_formatting=st.booleans(),
)
def test_options_never_lose_a_word_nor_break_the_limit(sentences, limit, minimum, ignore_dialogue, preserve_formatting):
    options = ProcessingOptions(
        ignore_dialogue=ignore_dialogue, preserve_formatting=preserve_formatting, min_sentence_length=minimum
    )

    rewrite = LocalNormalizer().rewrite(sentences, limit, options)

    assert rewrite.sources == sorted(rewrite.sources)
    for index, sentence in enumerate(sentences):
        outputs = outputs_of(rewrite, index)
        assert words_of(" ".join(outputs)) == words_of(sentence)
        if not (ignore_dialogue and is_dialogue(sentence)):
            assert all(count_words(out) <= limit for out in outputs)
            counts = [count_words(out) for out in outputs]
            for left, right in itertools.pairwise(counts):
                if min(left, right) < minimum:
                    assert left + right > limit  # a short piece stays only where no neighbour could take it
    assert all(out.strip() for out in rewrite.sentences)


def test_options_may_come_as_a_job_s_stored_settings(local):
    stored = {"ignore_dialogue": True, "sentence_length_limit": 8}

    assert local.rewrite([DIALOGUE, LONG], LIMIT, stored) == local.rewrite([DIALOGUE, LONG], LIMIT, DIALOGUE_OFF)
    assert local.rewrite([LONG], LIMIT, None) == local.rewrite([LONG], LIMIT)
