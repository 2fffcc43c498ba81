"""What the file exporters (csv, json) share: one download, named after the job's title."""

import unicodedata

from zope.interface import implementer

from novel_pyramid.exporters.interfaces import RESULT_FILE, ExportResult, IExporter


def download_filename(title, extension):
    """An ASCII file name from the job's title ("Le Père Goriot.pdf" -> "Le Pere Goriot.csv").

    Plain ASCII because HTTP headers are Latin-1 and browsers disagree on the rest.
    """
    stem = title.rsplit(".", 1)[0] if title.lower().endswith(".pdf") else title
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    safe = "".join(char if char.isalnum() or char in " -_" else "_" for char in ascii_stem).strip()
    return f"{(safe or 'sentences')[:100]}.{extension}"


@implementer(IExporter)
class FileExporter:
    """An exporter whose result is a file with its ``name`` as extension.

    A subclass gives ``name``, ``content_type``, ``options_schema`` and
    ``body(source, options)``, the file's byte blocks.
    """

    result_kind = RESULT_FILE

    @classmethod
    def from_settings(cls, settings):
        return cls()

    def export(self, source, options, owner):
        return ExportResult(
            body=self.body(source, options),
            content_type=self.content_type,
            filename=download_filename(source.title, self.name),
        )
