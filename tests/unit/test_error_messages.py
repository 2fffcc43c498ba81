"""The plain-words localizer: every Colander message it knows is worded without Python values."""

import colander
import pytest
from translationstring import TranslationStringFactory

from novel_pyramid.errors.messages import PLAIN_WORDS, PlainWordsLocalizer

colander_message = TranslationStringFactory("colander")
localizer = PlainWordsLocalizer("en", None)
SAMPLE_MAPPING = {
    "val": {"updated_at": "2026-01-01"},
    "err": "Does not implement dict-like functionality.",
    "min": 3,
    "max": 50,
    "choices": "a, b",
    "exp": 2,
    "was": 3,
    "cstruct": "x",
    "false_choices": "false, 0",
    "true_choices": "true, 1",
}


@pytest.mark.parametrize("message_id", sorted(PLAIN_WORDS))
def test_each_known_message_is_plain(message_id):
    text = localizer.translate(colander_message(message_id, mapping=SAMPLE_MAPPING))
    assert text and "${" not in text and "{'" not in text and "dict-like" not in text


def test_a_colander_message_it_does_not_know_shows_no_value():
    text = localizer.translate(colander_message('"${val}" is not a valid credit card number', mapping={"val": "[1]"}))
    assert text == "Is not an accepted value"


def test_other_messages_pass_through_interpolated():
    assert localizer.translate("Must be at most ${n}", mapping={"n": 5}) == "Must be at most 5"


def test_real_colander_errors_are_reworded():
    node = colander.SchemaNode(colander.Int(), name="limit", validator=colander.Range(1, 10))
    with pytest.raises(colander.Invalid) as caught:
        node.deserialize("99")
    assert caught.value.asdict(translate=localizer.translate) == {"limit": "Must be at most 10"}
