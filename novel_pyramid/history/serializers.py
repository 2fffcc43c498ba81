"""How a history entry looks on the wire (CONTRACT §2)."""

import json

from novel_pyramid.db.types import isoformat


def history_json(entry):
    return {
        "id": entry.id,
        "timestamp": isoformat(entry.timestamp),
        "original_filename": entry.original_filename,
        "processed_sentences_count": entry.processed_sentences_count,
        "spreadsheet_url": entry.spreadsheet_url,
        "error_message": entry.error_message,
    }


# One encoder for every entry: json.dumps with options builds a new encoder per call.
_encode = json.JSONEncoder(separators=(",", ":")).encode


def history_entry_text(entry):
    """One entry as JSON text: the cached list keeps entries serialised, so a page is joined, not re-encoded."""
    return _encode(history_json(entry))


def json_array_text(entry_texts):
    return "[" + ",".join(entry_texts) + "]"
