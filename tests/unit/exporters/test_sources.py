"""Rows of an export: numbering, and which original sentence each rewritten one came from."""

from novel_pyramid.exporters.sources import align_originals, sentence_list_source

LONG_1 = "Le vieil homme marchait lentement vers la gare pendant que la pluie tombait sur la ville."
LONG_1_SPLIT = ["Le vieil homme marchait lentement vers la gare.", "La pluie tombait sur la ville."]
LONG_2 = "Elle ouvrit la lettre avec soin et lut les mots que sa mère avait écrits la veille au soir."
LONG_2_SPLIT = [
    "Elle ouvrit la lettre avec soin.",
    "Elle lut les mots de sa mère.",
    "Sa mère les avait écrits la veille.",
]


def test_sentence_list_rows_are_numbered_from_one():
    source = sentence_list_source("Titre", ["Un.", "Deux."])

    assert source.sentence_count == 2
    assert [(row.index, row.sentence, row.original) for row in source.rows()] == [(1, "Un.", None), (2, "Deux.", None)]


def test_one_to_one_chunks_pair_directly():
    assert align_originals(["Un.", "Deux."], ["Un.", "Deux."]) == ["Un.", "Deux."]


def test_split_sentences_show_their_original_once():
    inputs = ["Court.", LONG_1, LONG_2, "Fin."]
    outputs = ["Court.", *LONG_1_SPLIT, *LONG_2_SPLIT, "Fin."]

    assert align_originals(inputs, outputs) == ["Court.", LONG_1, "", LONG_2, "", "", "Fin."]


def test_every_input_gets_at_least_one_row_when_words_do_not_help():
    # No shared words: stay on an input until only as many outputs remain as inputs.
    assert align_originals(["A b c.", "D e f."], ["X y.", "Z w.", "Q r."]) == ["A b c.", "", "D e f."]


def test_no_inputs_means_no_originals():
    assert align_originals([], ["Un."]) == [""]
