"""A v1 ``/export-to-sheet`` body, checked and put in the google_sheets exporter's terms.

The body's schema (api/v1/exports.py) checks each field on its own. The rules
here tie fields to each other or to the sentences -- an append needs a
spreadsheet, positions must fall inside ``sentences``, one header per column --
which no JSON Schema can state; each error names the v1 field it is about.

Columns: ``columnOrder`` lists the columns to export, in order (``index`` and
``sentence``, in any case; default both). ``headers``, sorted by ``order``,
label those columns one for one; a disabled header leaves its column out.
"""

import re
from dataclasses import dataclass

import colander

from novel_pyramid.errors import InvalidInput
from novel_pyramid.errors.messages import validation_message
from novel_pyramid.exporters.google_sheets import APPEND, NEW
from novel_pyramid.exporters.sheet_columns import INDEX, SENTENCE

V1_COLUMNS = (INDEX, SENTENCE)
_EMAIL = re.compile(colander.EMAIL_RE)
# How many offending values one message quotes.
SHOWN_VALUES = 5

# The exporter's option names as the v1 client knows them, for the details of errors.
V1_FIELD_NAMES = {
    "folder_id": "folderId",
    "title": "sheetName",
    "spreadsheet_id": "existingSheetId",
    "tab_name": "tabName",
    "share_with": "sharing.collaboratorEmails",
    "public_link": "sharing.publicLink",
}


@dataclass(frozen=True)
class SheetExportPlan:
    positions: list | None  # the sentences to export (0-based, ascending), None for all
    options: dict  # the google_sheets exporter's options


class Problems:
    """Every rule a body breaks, gathered so one answer lists them all."""

    def __init__(self):
        self.details = {}

    def add(self, field, message):
        self.details.setdefault(field, []).append(message)

    def raise_any(self):
        if self.details:
            raise InvalidInput(validation_message(self.details), details=self.details)


def plan_v1_export(body, sheet_name, folder_id):
    """The plan of one v1 export; ``sheet_name`` and ``folder_id`` are already resolved (defaults applied)."""
    problems = Problems()
    mode = body.get("mode", NEW)
    if mode == APPEND and not body.get("existingSheetId"):
        problems.add("existingSheetId", "Required when mode is append: the id of the spreadsheet to add to")
    positions = _positions(body.get("sentenceIndices"), len(body["sentences"]), problems)
    columns = _columns(body.get("columnOrder"), body.get("headers"), problems)
    writers, public_link = _sharing(body.get("sharing") or {}, problems)
    problems.raise_any()
    options = {
        "title": sheet_name,
        "folder_id": folder_id,
        "include_original": False,
        "mode": mode,
        "columns": columns,
        "share_with": writers,
        "public_link": public_link,
        "create_new_tab": bool(body.get("createNewTab")),
    }
    for option, field in (("spreadsheet_id", "existingSheetId"), ("tab_name", "tabName")):
        if body.get(field):
            options[option] = body[field]
    return SheetExportPlan(positions=positions, options=options)


def _quoted(values):
    shown = ", ".join(str(value) for value in values[:SHOWN_VALUES])
    more = len(values) - SHOWN_VALUES
    return shown + (f" and {more} more" if more > 0 else "")


def _positions(indices, sentence_count, problems):
    if indices is None:
        return None
    outside = [index for index in indices if index >= sentence_count]
    if outside:
        problems.add(
            "sentenceIndices",
            f"{_quoted(outside)}: not a position in sentences, which go from 0 to {sentence_count - 1}",
        )
    seen, repeated = set(), []
    for index in indices:
        if index in seen and index not in repeated:
            repeated.append(index)
        seen.add(index)
    if repeated:
        problems.add("sentenceIndices", f"{_quoted(repeated)}: listed more than once; list each position once")
    # Rows follow the order of the text, whatever order the positions came in.
    return sorted(seen)


def _columns(column_order, headers, problems):
    names = [name.lower() for name in column_order] if column_order is not None else list(V1_COLUMNS)
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        problems.add("columnOrder", f"{_quoted(repeated)}: listed more than once; list each column once")
        return None
    if headers is None:
        return [{"name": name} for name in names]
    if len(headers) != len(names):
        problems.add(
            "headers",
            f"{len(headers)} headers for {len(names)} columns ({', '.join(names)}): "
            "give one header per column of columnOrder",
        )
        return None
    orders = [header["order"] for header in headers]
    repeated_orders = sorted({order for order in orders if orders.count(order) > 1})
    if repeated_orders:
        problems.add("headers", f"order {_quoted(repeated_orders)} is given to more than one header")
        return None
    labelled = zip(names, sorted(headers, key=lambda header: header["order"]), strict=True)
    columns = [{"name": name, "header": header["name"]} for name, header in labelled if header["enabled"]]
    if not columns:
        problems.add("headers", "Every header is disabled; at least one column must be exported")
    return columns


def _sharing(sharing, problems):
    # The dialog keeps the typed addresses when its switch is turned off: they are then not used.
    emails = list(sharing.get("collaboratorEmails", ())) if sharing.get("addCollaborators") else []
    malformed = [repr(email) for email in emails if not _EMAIL.fullmatch(email)]
    if malformed:
        problems.add("sharing.collaboratorEmails", f"{_quoted(malformed)}: not an e-mail address")
    return emails, bool(sharing.get("publicLink"))
