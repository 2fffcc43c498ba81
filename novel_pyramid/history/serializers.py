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


def history_entry_text(entry):
    """One entry as JSON text: the cached list keeps entries serialised, so a page is joined, not re-encoded."""
    return json.dumps(history_json(entry), separators=(",", ":"))


def json_array_text(entry_texts):
    return "[" + ",".join(entry_texts) + "]"
