"""What every exporter must do (one contract, a subclass per backend), and the file formats."""

import csv
import io
import json

import colander
import pytest
from zope.interface.verify import verifyObject

from novel_pyramid.exporters.csv_export import CsvExporter
from novel_pyramid.exporters.files import download_filename
from novel_pyramid.exporters.google_sheets import GoogleSheetsExporter
from novel_pyramid.exporters.interfaces import RESULT_FILE, ExportSource, IExporter, SentenceRow
from novel_pyramid.exporters.json_export import JsonExporter

TEXTS = ['Il dit : "Bonjour, Léa."', "=SUM(A1)", "Une ligne\nsur deux", "@user, +33"]


class CountingSource:
    """A source that counts the rows read, to prove a download is produced while reading."""

    def __init__(self, texts):
        self.texts = texts
        self.read = 0

    def rows(self):
        for index, text in enumerate(self.texts, 1):
            self.read += 1
            yield SentenceRow(index, text, f"orig {index}")

    def source(self):
        return ExportSource(
            title="Le Père.pdf", sentence_count=len(self.texts), rows=self.rows, has_originals=True, job_id="job-1"
        )


class ExporterContract:
    """Every exporter: provides IExporter, validates its options strictly, fills in defaults."""

    exporter = None

    def test_provides_the_interface(self):
        assert verifyObject(IExporter, self.exporter)

    def test_unknown_options_are_refused(self):
        with pytest.raises(colander.Invalid):
            self.exporter.options_schema.deserialize({"no_such_option": True})

    def test_no_options_is_valid(self):
        assert isinstance(self.exporter.options_schema.deserialize({}), dict)


class FileExporterContract(ExporterContract):
    """A file exporter also streams: its body is produced while the rows are read."""

    def parse(self, data):
        raise NotImplementedError

    def test_streams_rather_than_building_the_file(self):
        counting = CountingSource(["Phrase."] * 5000)
        result = self.exporter.export(counting.source(), self.exporter.options_schema.deserialize({}), None)

        assert self.exporter.result_kind == RESULT_FILE
        first = next(iter(result.body))
        assert first and counting.read < 5000

    def test_round_trips_every_sentence(self):
        result = self.exporter.export(
            CountingSource(TEXTS).source(), self.exporter.options_schema.deserialize({}), None
        )

        assert self.parse(b"".join(result.body)) == TEXTS


class TestGoogleSheetsContract(ExporterContract):
    exporter = GoogleSheetsExporter({})


class TestCsvExporter(FileExporterContract):
    exporter = CsvExporter()

    def parse(self, data):
        return [row[1] for row in list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))[1:]]

    def test_bom_and_crlf(self):
        options = self.exporter.options_schema.deserialize({"bom": "true"})
        data = b"".join(self.exporter.export(CountingSource(["Un."]).source(), options, None).body)

        assert data == "\ufeffindex,sentence\r\n1,Un.\r\n".encode()

    def test_filename_is_ascii(self):
        assert download_filename("Les Misérables / tome 1.pdf", "csv") == "Les Miserables _ tome 1.csv"


class TestJsonExporter(FileExporterContract):
    exporter = JsonExporter()

    def parse(self, data):
        return [item["sentence"] for item in json.loads(data)["sentences"]]

    def test_originals_when_asked(self):
        options = self.exporter.options_schema.deserialize({"include_original": True})
        data = b"".join(self.exporter.export(CountingSource(["Un."]).source(), options, None).body)

        assert json.loads(data)["sentences"] == [{"index": 1, "sentence": "Un.", "original": "orig 1"}]

    def test_empty_job_is_valid_json(self):
        data = b"".join(self.exporter.export(CountingSource([]).source(), {}, None).body)

        assert json.loads(data)["sentences"] == []
