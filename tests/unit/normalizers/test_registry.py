"""The normaliser plugin registry: entry points, loading by name, Pyramid registration."""

import pytest
from pyramid import testing
from zope.interface.verify import verifyObject

from novel_pyramid.config import load_settings
from novel_pyramid.normalizers import (
    ENTRY_POINT_GROUP,
    UnknownNormalizer,
    available_normalizers,
    get_normalizer,
    load_normalizer,
)
from novel_pyramid.normalizers.gemini import GeminiNormalizer
from novel_pyramid.normalizers.interfaces import INormalizer
from novel_pyramid.normalizers.local import LocalNormalizer
from novel_pyramid.pipeline.options import ProcessingOptions
from tests.fakes.distributions import distribution_fixture

THIRD_PARTY_MODULE = '''\
"""A normaliser shipped by someone else, knowing only our interface."""

from zope.interface import implementer

from novel_pyramid.normalizers.base import Normalizer
from novel_pyramid.normalizers.interfaces import INormalizer
from novel_pyramid.normalizers.results import Usage


@implementer(INormalizer)
class Shout(Normalizer):
    """Writes each sentence in capitals; the base class handles the options and the sources."""

    name = "shout"
    cache_key = "shout:1"

    def __init__(self, settings):
        self.settings = settings

    def rewrite_each(self, sentences, limit, model=None):
        return [[sentence.upper()] for sentence in sentences], Usage(model_calls=len(sentences))


class OnlyNormalize:
    """Written for the older contract: no rewrite, so no sources."""

    name = "old"
    cache_key = "old:1"

    def normalize(self, sentences, limit):
        return sentences


def factory(settings):
    return Shout(settings)


def old_factory(settings):
    return implementer(INormalizer)(OnlyNormalize)()


def not_a_normalizer(settings):
    return object()
'''
THIRD_PARTY_ENTRY_POINTS = {
    "shout": "thirdparty_shout:factory",
    "mute": "thirdparty_shout:not_a_normalizer",
    "old": "thirdparty_shout:old_factory",
}

# For the tests that ask for it: a distribution declaring ``shout`` (and a broken ``mute``).
third_party_plugin = distribution_fixture(
    "thirdparty_shout", THIRD_PARTY_MODULE, ENTRY_POINT_GROUP, THIRD_PARTY_ENTRY_POINTS
)


def test_our_normalizers_are_declared_as_entry_points():
    plugins = available_normalizers()

    assert plugins["local"].value == "novel_pyramid.normalizers.local:LocalNormalizer.from_settings"
    assert plugins["gemini"].value == "novel_pyramid.normalizers.gemini:GeminiNormalizer.from_settings"


def test_load_local():
    normalizer = load_normalizer("local", load_settings({"credits.estimate.chars_per_token": 3.5}, {}))

    assert isinstance(normalizer, LocalNormalizer)
    assert normalizer.chars_per_token == 3.5  # what its token counts are measured with
    verifyObject(INormalizer, normalizer)


def test_load_gemini_passes_the_settings_to_its_factory():
    settings = load_settings({"gemini.api_key": "some-key", "gemini.model": "gemini-2.5-pro"}, {})
    normalizer = load_normalizer("gemini", settings)

    assert isinstance(normalizer, GeminiNormalizer)
    assert normalizer.model == "gemini-2.5-pro"


def test_load_gemini_without_a_key_says_what_to_set():
    with pytest.raises(ValueError, match="GEMINI_API_KEY"):
        load_normalizer("gemini", load_settings({}, {}))


def test_unknown_name_lists_the_installed_normalizers():
    with pytest.raises(UnknownNormalizer, match=r"'nope'.*installed normalisers: .*gemini, local") as failure:
        load_normalizer("nope", {})
    assert isinstance(failure.value, ValueError)  # a bad setting value


def test_third_party_plugin_loads_without_touching_our_code(third_party_plugin):
    assert "shout" in available_normalizers()

    normalizer = load_normalizer("shout", {"anything": 1})

    assert normalizer.settings == {"anything": 1}
    assert normalizer.rewrite(["Il pleut."], 8).sentences == ["IL PLEUT."]


def test_a_third_party_plugin_gets_the_options_and_sources_from_the_base_class(third_party_plugin):
    normalizer = load_normalizer("shout", {})

    rewrite = normalizer.rewrite(
        ["Il pleut.", "", "« Viens ! »", "Le vent…"],
        8,
        ProcessingOptions(ignore_dialogue=True, preserve_formatting=False),
    )

    assert rewrite.sentences == ["IL PLEUT.", '"Viens !"', "LE VENT..."]
    assert rewrite.sources == [0, 2, 3]
    assert rewrite.model_calls == 2  # the dialogue was never handed to the plugin


def test_a_plugin_without_rewrite_is_refused_with_what_it_lacks(third_party_plugin):
    with pytest.raises(TypeError, match=r"'old'.*does not provide INormalizer.*rewrite"):
        load_normalizer("old", {})


def test_plugin_returning_something_else_is_refused(third_party_plugin):
    with pytest.raises(TypeError, match=r"'mute'.*does not provide INormalizer"):
        load_normalizer("mute", {})


@pytest.fixture
def pyramid_config():
    config = testing.setUp(settings={})
    yield config
    testing.tearDown()


def test_includeme_registers_the_configured_normalizer(pyramid_config):
    pyramid_config.registry.settings.update(load_settings({"normalizer": "local"}, {}))

    pyramid_config.include("novel_pyramid.normalizers")

    assert isinstance(get_normalizer(pyramid_config.registry), LocalNormalizer)


def test_includeme_registers_a_third_party_normalizer(pyramid_config, third_party_plugin):
    pyramid_config.registry.settings["normalizer"] = "shout"

    pyramid_config.include("novel_pyramid.normalizers")

    assert get_normalizer(pyramid_config.registry).name == "shout"


def test_includeme_needs_the_setting(pyramid_config):
    with pytest.raises(ValueError, match="'normalizer' setting"):
        pyramid_config.include("novel_pyramid.normalizers")
