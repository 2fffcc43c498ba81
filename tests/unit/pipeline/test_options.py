"""ProcessingOptions: read from a job's stored settings, named stably in hashes."""

import pytest

from novel_pyramid.pipeline.options import ProcessingOptions


def test_defaults():
    options = ProcessingOptions()

    assert options.as_dict() == {
        "ignore_dialogue": False,
        "preserve_formatting": True,
        "fix_hyphenation": True,
        "min_sentence_length": 2,
    }
    assert ProcessingOptions.from_mapping(None) == ProcessingOptions.from_mapping({}) == options


def test_from_mapping_takes_known_keys_ignores_the_rest_and_defaults_the_missing():
    options = ProcessingOptions.from_mapping(
        {"ignore_dialogue": True, "min_sentence_length": 4, "sentence_length_limit": 8, "gemini_model": "x"}
    )

    assert options == ProcessingOptions(ignore_dialogue=True, min_sentence_length=4)
    assert ProcessingOptions.from_mapping(options.as_dict()) == options


def test_form_strings_and_json_numbers_are_read_as_meant():
    options = ProcessingOptions.from_mapping(
        {"ignore_dialogue": "true", "preserve_formatting": "false", "fix_hyphenation": 0, "min_sentence_length": "3"}
    )

    assert options == ProcessingOptions(
        ignore_dialogue=True, preserve_formatting=False, fix_hyphenation=False, min_sentence_length=3
    )
    assert ProcessingOptions.from_mapping({"min_sentence_length": 5.0}).min_sentence_length == 5
    assert ProcessingOptions.from_mapping({"ignore_dialogue": None}) == ProcessingOptions()


@pytest.mark.parametrize(
    "mapping, words",
    [
        ({"ignore_dialogue": "maybe"}, "ignore_dialogue must be true or false"),
        ({"fix_hyphenation": 2}, "fix_hyphenation must be true or false"),
        ({"min_sentence_length": 0}, "at least 1"),
        ({"min_sentence_length": "two"}, "whole number"),
        ({"min_sentence_length": 2.5}, "whole number"),
        ({"min_sentence_length": True}, "whole number"),
    ],
)
def test_bad_values_are_refused_in_plain_words(mapping, words):
    with pytest.raises(ValueError, match=words):
        ProcessingOptions.from_mapping(mapping)


def test_key_is_stable_and_tells_every_option_apart():
    assert ProcessingOptions().key == "d0f1h1m2"
    variants = [
        ProcessingOptions(),
        ProcessingOptions(ignore_dialogue=True),
        ProcessingOptions(preserve_formatting=False),
        ProcessingOptions(fix_hyphenation=False),
        ProcessingOptions(min_sentence_length=1),
        ProcessingOptions(min_sentence_length=12),
    ]
    assert len({options.key for options in variants}) == len(variants)


def test_options_are_frozen_and_hashable():
    options = ProcessingOptions()
    with pytest.raises(AttributeError):
        options.ignore_dialogue = True
    assert {options: 1}[ProcessingOptions()] == 1
