"""Normalisers: the plugins that rewrite long sentences, found by name.

Each normaliser is an entry point in the ``novel_pyramid.normalizers`` group
whose value is a factory ``factory(settings) -> INormalizer``. Ours (``local``,
``gemini``) are declared in setup.py; another distribution adds its own by
declaring an entry point in the same group, without touching this code.

``includeme`` loads the one named by the ``normalizer`` setting and registers
it as the ``INormalizer`` utility; the Celery worker calls ``load_normalizer``.
"""

from novel_pyramid.normalizers.interfaces import INormalizer
from novel_pyramid.plugins import installed_plugins, load_plugin

ENTRY_POINT_GROUP = "novel_pyramid.normalizers"


class UnknownNormalizer(ValueError):
    """No installed plugin has the requested name (a bad NOVEL_NORMALIZER value)."""


def available_normalizers():
    """Installed normaliser plugins: ``{name: EntryPoint}``, read afresh each call."""
    return installed_plugins(ENTRY_POINT_GROUP)


def load_normalizer(name, settings):
    """Build the normaliser plugin called ``name`` from the typed ``settings``."""
    return load_plugin(
        ENTRY_POINT_GROUP,
        name,
        settings,
        INormalizer,
        label="normaliser",
        unknown_error=UnknownNormalizer,
        hint=" (NOVEL_NORMALIZER)",
    )


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
