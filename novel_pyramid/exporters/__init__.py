"""Exporters: the plugins that write a job's sentences out (Google Sheets, CSV, JSON), found by name.

Each exporter is an entry point in the ``novel_pyramid.exporters`` group whose
value is a factory ``factory(settings) -> IExporter``. Ours are declared in
setup.py; another distribution adds one by declaring an entry point in the same
group, without touching this code.

Unlike the normaliser (one per deployment), the user picks an exporter per
request, so ``includeme`` loads every installed exporter and registers each as
a named ``IExporter`` utility; ``get_exporter`` finds one by name.
"""

from novel_pyramid.exporters.interfaces import RESULT_FILE, RESULT_URL, IExporter, IExportService
from novel_pyramid.exporters.status import IExportStatusStore, status_store_from_settings
from novel_pyramid.plugins import installed_plugins, load_plugin
from novel_pyramid.redisconn import redis_connections

ENTRY_POINT_GROUP = "novel_pyramid.exporters"
RESULT_KINDS = (RESULT_URL, RESULT_FILE)


class UnknownExporter(LookupError):
    """No installed exporter plugin has the requested name."""


def available_exporters():
    """Installed exporter plugins: ``{name: EntryPoint}``, read afresh each call."""
    return installed_plugins(ENTRY_POINT_GROUP)


def load_exporter(name, settings):
    """Build the exporter plugin called ``name`` from the typed ``settings`` and check it."""
    exporter = load_plugin(
        ENTRY_POINT_GROUP, name, settings, IExporter, label="exporter", unknown_error=UnknownExporter
    )
    if exporter.result_kind not in RESULT_KINDS:
        raise TypeError(
            f"The exporter plugin {name!r} has result_kind {exporter.result_kind!r}; "
            f"expected one of {', '.join(RESULT_KINDS)}."
        )
    return exporter


def load_all_exporters(settings):
    """Every installed exporter, ``{name: exporter}``; a broken plugin stops the start-up."""
    return {name: load_exporter(name, settings) for name in sorted(available_exporters())}


def registered_exporters(registry):
    """``{name: exporter}`` for the exporters this application registered."""
    return dict(registry.getUtilitiesFor(IExporter))


def get_exporter(registry, name):
    """The exporter called ``name``, or ``UnknownExporter``."""
    exporter = registry.queryUtility(IExporter, name=name)
    if exporter is None:
        known = ", ".join(sorted(registered_exporters(registry))) or "none"
        raise UnknownExporter(f"Unknown exporter {name!r}; available: {known}")
    return exporter


def includeme(config):
    """Register every installed exporter as a named ``IExporter`` utility, the export status store and service."""
    from novel_pyramid.exporters.services import ExportService

    settings = config.registry.settings
    for name, exporter in load_all_exporters(settings).items():
        config.registry.registerUtility(exporter, IExporter, name=name)
    config.include("pyramid_services")
    config.include("novel_pyramid.redisconn")
    store = status_store_from_settings(settings, redis_connections(config.registry))
    config.register_service(store, IExportStatusStore)
    config.register_service_factory(ExportService.create_service, IExportService)
    # Importing the module declares the background export task on the Celery app.
    from novel_pyramid.exporters import tasks  # noqa: F401
