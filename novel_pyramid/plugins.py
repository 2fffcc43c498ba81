"""Plugins found by name through setuptools entry points (``importlib.metadata``).

A plugin group (``novel_pyramid.normalizers``, ``novel_pyramid.exporters``) maps
names to factories ``factory(settings) -> object``; a separate distribution adds
a plugin by declaring an entry point in the group, without touching our code.
"""

from importlib.metadata import entry_points

from zope.interface.exceptions import Invalid
from zope.interface.verify import verifyObject


def installed_plugins(group):
    """``{name: EntryPoint}`` of a group, read afresh each call (plugins may be installed at run time)."""
    return {entry_point.name: entry_point for entry_point in entry_points(group=group)}


def load_plugin(group, name, settings, interface, *, label, unknown_error, hint=""):
    """Build the plugin ``name`` of ``group`` and check that it provides ``interface``.

    ``label`` names the kind of plugin in messages ("normaliser"); ``hint`` adds
    where the name came from (" (NOVEL_NORMALIZER)"); an unknown name raises
    ``unknown_error`` listing what is installed.
    """
    plugins = installed_plugins(group)
    if name not in plugins:
        known = ", ".join(sorted(plugins)) or "none"
        raise unknown_error(f"Unknown {label} {name!r}{hint}; installed {label}s: {known}.")
    plugin = plugins[name].load()(settings)
    try:
        verifyObject(interface, plugin)
    except Invalid as error:
        raise TypeError(
            f"The {label} plugin {name!r} ({plugins[name].value}) does not provide {interface.__name__}: {error}"
        ) from None
    return plugin
