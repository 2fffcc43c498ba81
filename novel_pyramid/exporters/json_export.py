"""The json exporter: ``{"title", "sentence_count", "sentences": [{"index", "sentence"}...]}``, streamed.

The document is written piece by piece (one row at a time through json.dumps),
so a 10,000-sentence job never sits in memory as one string. No byte-order
mark: JSON forbids one (RFC 8259).
"""

import json

from novel_pyramid.exporters.files import FileExporter
from novel_pyramid.exporters.options import include_original_node
from novel_pyramid.schema.types import StrictMapping

ROWS_PER_WRITE = 200


class JsonOptions(StrictMapping):
    include_original = include_original_node()


def json_document(source, options):
    with_original = bool(options.get("include_original")) and source.has_originals
    head = {"job_id": source.job_id, "title": source.title, "sentence_count": source.sentence_count}
    # Everything but the closing brace of the head object, then the array opens.
    yield (json.dumps(head, ensure_ascii=False)[:-1] + ', "sentences": [').encode("utf-8")
    pieces, separator = [], "\n"
    for row in source.rows():
        item = {"index": row.index, "sentence": row.sentence}
        if with_original:
            item["original"] = row.original or ""
        pieces.append(separator + json.dumps(item, ensure_ascii=False))
        separator = ",\n"
        if len(pieces) >= ROWS_PER_WRITE:
            yield "".join(pieces).encode("utf-8")
            pieces = []
    pieces.append("\n]}\n")
    yield "".join(pieces).encode("utf-8")


class JsonExporter(FileExporter):
    name = "json"
    content_type = "application/json; charset=utf-8"
    options_schema = JsonOptions()

    def body(self, source, options):
        return json_document(source, options)
