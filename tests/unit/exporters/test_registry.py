"""The exporter plugin registry: entry points, loading by name, Pyramid registration."""

import pytest
from pyramid import testing

from novel_pyramid.config import load_settings
from novel_pyramid.exporters import (
    ENTRY_POINT_GROUP,
    UnknownExporter,
    available_exporters,
    get_exporter,
    load_exporter,
    registered_exporters,
)
from tests.fakes.distributions import distribution_fixture

THIRD_PARTY_MODULE = '''\
"""An exporter shipped by someone else, knowing only our interface."""

import colander
from zope.interface import implementer

from novel_pyramid.exporters.interfaces import RESULT_FILE, ExportResult, IExporter


@implementer(IExporter)
class Lines:
    name = "lines"
    result_kind = RESULT_FILE
    options_schema = colander.MappingSchema()

    def export(self, source, options, owner):
        return ExportResult(body=(row.sentence.encode() + b"\\n" for row in source.rows()),
                            content_type="text/plain", filename="lines.txt")


def factory(settings):
    return Lines()


def not_an_exporter(settings):
    return object()


def odd_kind(settings):
    exporter = Lines()
    exporter.result_kind = "fax"
    return exporter
'''
THIRD_PARTY_ENTRY_POINTS = {
    "lines": "thirdparty_lines:factory",
    "broken": "thirdparty_lines:not_an_exporter",
    "odd": "thirdparty_lines:odd_kind",
}

third_party_plugin = distribution_fixture(
    "thirdparty_lines", THIRD_PARTY_MODULE, ENTRY_POINT_GROUP, THIRD_PARTY_ENTRY_POINTS
)


def test_our_exporters_are_declared_as_entry_points():
    plugins = available_exporters()

    assert plugins["google_sheets"].value == "novel_pyramid.exporters.google_sheets:GoogleSheetsExporter.from_settings"
    assert plugins["csv"].value == "novel_pyramid.exporters.csv_export:CsvExporter.from_settings"
    assert plugins["json"].value == "novel_pyramid.exporters.json_export:JsonExporter.from_settings"


def test_unknown_name_lists_the_installed_ones():
    with pytest.raises(UnknownExporter, match="csv, google_sheets, json"):
        load_exporter("fax", {})


def test_a_third_party_exporter_is_found_by_its_entry_point(third_party_plugin):
    exporter = load_exporter("lines", {})

    assert exporter.name == "lines"


@pytest.mark.parametrize(("name", "message"), [("broken", "does not provide IExporter"), ("odd", "result_kind")])
def test_a_plugin_that_breaks_the_contract_is_refused(third_party_plugin, name, message):
    with pytest.raises(TypeError, match=message):
        load_exporter(name, {})


def test_includeme_registers_every_exporter_by_name():
    with testing.testConfig(settings=load_settings({}, {})) as config:
        config.include("novel_pyramid.exporters")

        assert set(registered_exporters(config.registry)) == {"google_sheets", "csv", "json"}
        assert get_exporter(config.registry, "csv").name == "csv"
        with pytest.raises(UnknownExporter, match="available: csv, google_sheets, json"):
            get_exporter(config.registry, "fax")
