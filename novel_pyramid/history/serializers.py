"""How a history entry looks on the wire (docs/api.md, "v1: the frontend's API", ``GET /history``)."""

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
