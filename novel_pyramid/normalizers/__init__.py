"""Normalisers: the plugins that rewrite long sentences, found by name.

Each normaliser is an entry point in the ``novel_pyramid.normalizers`` group
whose value is a factory ``factory(settings) -> INormalizer``. Ours (``local``,
``gemini``) are declared in setup.py; another distribution adds its own by
declaring an entry point in the same group, without touching this code.

``includeme`` loads the one named by the ``normalizer`` setting and registers
it as the ``INormalizer`` utility; the Celery worker calls ``load_normalizer``.
"""

from importlib.metadata import entry_points

from zope.interface.exceptions import Invalid
from zope.interface.verify import verifyObject

from novel_pyramid.normalizers.interfaces import INormalizer

ENTRY_POINT_GROUP = "novel_pyramid.normalizers"


class UnknownNormalizer(ValueError):
    """No installed plugin has the requested name (a bad NOVEL_NORMALIZER value)."""


def available_normalizers():
    """Installed normaliser plugins: ``{name: EntryPoint}``, read afresh each call."""
    return {entry_point.name: entry_point for entry_point in entry_points(group=ENTRY_POINT_GROUP)}


def load_normalizer(name, settings):
    """Build the normaliser plugin called ``name`` from the typed ``settings``."""
    plugins = available_normalizers()
    if name not in plugins:
        known = ", ".join(sorted(plugins)) or "none"
        raise UnknownNormalizer(f"Unknown normaliser {name!r} (NOVEL_NORMALIZER); installed normalisers: {known}.")
    factory = plugins[name].load()
    normalizer = factory(settings)
    try:
        verifyObject(INormalizer, normalizer)
    except Invalid as error:
        raise TypeError(
            f"The normaliser plugin {name!r} ({plugins[name].value}) does not provide INormalizer: {error}"
        ) from None
    return normalizer


def get_normalizer(registry):
    """The normaliser registered for this application."""
    return registry.getUtility(INormalizer)


def includeme(config):
    """Register the normaliser named by the ``normalizer`` setting as the ``INormalizer`` utility."""
    settings = config.registry.settings
    name = settings.get("normalizer")
    if not name:
        raise ValueError("The 'normalizer' setting is missing: the settings layer must resolve NOVEL_NORMALIZER.")
    config.registry.registerUtility(load_normalizer(name, settings), INormalizer)
