"""How history entries look on the wire (docs/api.md, "v1: the frontend's API", ``GET /history``)."""

import json

from pyramid.response import Response

from novel_pyramid.db.types import isoformat


def history_json(entry):
    return {
        "id": entry.id,
        "timestamp": isoformat(entry.timestamp),
        "original_filename": entry.original_filename,
        "processed_sentences_count": entry.processed_sentences_count,
        "spreadsheet_url": entry.spreadsheet_url,
        "error_message": entry.error_message,
        "job_id": entry.job_id,
        "error_code": entry.error_code,
        "failed_step": entry.failed_step,
        "settings": entry.settings,
    }


def v2_history_json(entry, links):
    """The v2 history entry; ``links`` (``{"self": url, ...}``) are the view's, which knows its routes."""
    return {
        "id": entry.id,
        "job_id": entry.job_id,
        "timestamp": isoformat(entry.timestamp),
        "original_filename": entry.original_filename,
        "sentences_count": entry.processed_sentences_count,
        "spreadsheet_url": entry.spreadsheet_url,
        "error": entry.error_message,
        "error_code": entry.error_code,
        "failed_step": entry.failed_step,
        "settings": entry.settings,
        "links": links,
    }


# One encoder for every entry: json.dumps with options builds a new encoder per call.
_encode = json.JSONEncoder(separators=(",", ":")).encode


def history_entry_text(entry):
    return _encode(history_json(entry))


class HistoryPage:
    """Entries as the API shows them, newest first, each kept as its JSON text.

    Iterating gives the entries as data. A view returning a page is answered by
    ``page_response``, which joins the texts: the cache keeps the entries
    serialised, so the busiest list is not decoded and encoded again field by
    field on every request (docs/performance.md).
    """

    __slots__ = ("entry_texts",)

    def __init__(self, entry_texts):
        self.entry_texts = entry_texts

    def __iter__(self):
        return map(json.loads, self.entry_texts)

    def __len__(self):
        return len(self.entry_texts)

    def json_text(self):
        return "[" + ",".join(self.entry_texts) + "]"


def page_response(page):
    """The response of a view that returns a ``HistoryPage`` (a Pyramid response adapter)."""
    return Response(body=page.json_text().encode("utf-8"), content_type="application/json")
