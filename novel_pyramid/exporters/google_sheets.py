"""The google_sheets exporter: numbered sentences into a new spreadsheet, or appended to one the user has.

Each step is one Sheets or Drive request, retried when Google says it is
temporary. A new spreadsheet: create it sized for every row, write the rows in
batches, format the header and size the columns, move it into the folder, share
it. Appending: find the tab (adding it when asked) and where its data ends, make
room, share, then write the rows after the last one. Sharing comes before the
rows when appending, so a refused share appends nothing and trying again adds
no duplicate rows; a new spreadsheet is shared last, and an error then says
where the finished spreadsheet is.
"""

import itertools
import re

import colander
from zope.interface import implementer

from novel_pyramid.errors import AppError
from novel_pyramid.exporters.drive import collaborators, move_to_folder, share
from novel_pyramid.exporters.google_client import GoogleApis
from novel_pyramid.exporters.interfaces import RESULT_URL, ExportResult, IExporter
from novel_pyramid.exporters.options import flag_node, folder_id_node, include_original_node
from novel_pyramid.exporters.sheet_columns import (
    COLUMN_NAMES,
    MAX_HEADER_LENGTH,
    ORIGINAL,
    columns_from_options,
    header_values,
    row_values,
)
from novel_pyramid.exporters.sheet_targets import (
    DEFAULT_TAB_TITLE,
    create_spreadsheet,
    open_tab,
    spreadsheet_errors,
)
from novel_pyramid.exporters.sheet_writing import formatting_requests, write_rows
from novel_pyramid.schema.types import StrictMapping, StrictString, string_node

NEW, APPEND = "new", "append"
MODES = (NEW, APPEND)
TITLE_MAX_LENGTH = 255
# Our limit for a tab's name, refused before Google is asked.
TAB_NAME_MAX_LENGTH = 100
SPREADSHEET_ID_MAX_LENGTH = 255
MAX_COLLABORATORS = 50
EMAIL_MAX_LENGTH = 254


_SPREADSHEET_ID = re.compile(r"[A-Za-z0-9_-]+")


def _spreadsheet_id(node, value):
    if not _SPREADSHEET_ID.fullmatch(value):
        raise colander.Invalid(
            node, "Must be a spreadsheet id: the letters, digits, - and _ after /d/ in the spreadsheet's address"
        )


_spreadsheet_id.json_schema = {"pattern": "^[A-Za-z0-9_-]+$"}


def spreadsheet_id_node(**kwargs):
    return string_node(max_length=SPREADSHEET_ID_MAX_LENGTH, validator=_spreadsheet_id, **kwargs)


def mode_node(spreadsheet_field):
    # allow_empty: "" is no mode (a 400), not "not given".
    return colander.SchemaNode(
        StrictString(allow_empty=True),
        validator=colander.OneOf(MODES, msg_err="Must be new or append"),
        missing=NEW,
        description=f"new: a new spreadsheet; append: add the rows to the spreadsheet {spreadsheet_field}.",
    )


def tab_name_node(**kwargs):
    return string_node(max_length=TAB_NAME_MAX_LENGTH, **kwargs)


class ColumnOption(StrictMapping):
    name = colander.SchemaNode(
        StrictString(), validator=colander.OneOf(COLUMN_NAMES, msg_err="Must be one of ${choices}")
    )
    header = string_node(
        min_length=0, max_length=MAX_HEADER_LENGTH, missing=colander.drop, description="Defaults to the column's name."
    )


class ColumnOptions(colander.SequenceSchema):
    column = ColumnOption()


class Emails(colander.SequenceSchema):
    email = string_node(max_length=EMAIL_MAX_LENGTH, validator=colander.Email(msg="Must be an e-mail address"))


class GoogleSheetsOptions(StrictMapping):
    # allow_empty keeps "" from passing as "not given": the Length validator then refuses it.
    title = colander.SchemaNode(
        StrictString(allow_empty=True),
        validator=colander.Length(1, TITLE_MAX_LENGTH),
        missing=colander.drop,
        description="Spreadsheet title (mode new); defaults to the uploaded file's name.",
    )
    folder_id = folder_id_node()
    include_original = include_original_node()
    mode = mode_node("spreadsheet_id")
    spreadsheet_id = spreadsheet_id_node(missing=colander.drop, description="The spreadsheet to append to.")
    tab_name = tab_name_node(
        missing=colander.drop,
        description="append: the tab to add the rows to (default: the first tab); new: the tab's name.",
    )
    create_new_tab = flag_node(
        description="append: create the tab tab_name when the spreadsheet has none by that name."
    )
    columns = ColumnOptions(
        validator=colander.Length(1, len(COLUMN_NAMES)),
        missing=colander.drop,
        description="The columns in order, each with its header; default index, sentence (and original).",
    )
    share_with = Emails(
        validator=colander.Length(0, MAX_COLLABORATORS),
        missing=(),
        description="E-mail addresses given edit access (Google sends each an invitation).",
    )
    public_link = flag_node(description="Let anyone with the link view the spreadsheet.")

    # Said in the OpenAPI document as well as checked below: append needs the spreadsheet.
    # ("" is an absent value to Colander, hence the minLength.)
    json_schema_extra = {
        "anyOf": [
            {"properties": {"mode": {"enum": [NEW]}}},
            {"required": ["spreadsheet_id"], "properties": {"spreadsheet_id": {"minLength": 1}}},
        ]
    }

    def validator(self, node, options):
        if options["mode"] == APPEND and not options.get("spreadsheet_id"):
            error = colander.Invalid(node)
            error.add(colander.Invalid(node["spreadsheet_id"], "Required when mode is append"))
            raise error

    def deserialize(self, cstruct=colander.null):
        options = super().deserialize(cstruct)
        # Asking for the original column is asking for the originals.
        if any(column["name"] == ORIGINAL for column in options.get("columns", ())):
            options["include_original"] = True
        return options


@implementer(IExporter)
class GoogleSheetsExporter:
    name = "google_sheets"
    result_kind = RESULT_URL
    options_schema = GoogleSheetsOptions()

    def __init__(self, settings):
        self.settings = settings

    @classmethod
    def from_settings(cls, settings):
        return cls(settings)

    def export(self, source, options, owner):
        with_original = bool(options.get("include_original")) and source.has_originals
        columns = columns_from_options(options.get("columns"), with_original)
        writers = collaborators(options.get("share_with", ()), owner.email)
        public_link = bool(options.get("public_link"))
        with GoogleApis(owner, self.settings) as google:
            if options.get("mode") == APPEND:
                target = open_tab(
                    google,
                    options["spreadsheet_id"],
                    options.get("tab_name"),
                    bool(options.get("create_new_tab")),
                    source.sentence_count,
                    len(columns),
                )
                share(google, target.spreadsheet_id, writers, public_link)
                self._fill(google, target, columns, source, errors=spreadsheet_errors(target.spreadsheet_id))
            else:
                target = create_spreadsheet(
                    google,
                    options.get("title") or source.title,
                    options.get("tab_name") or DEFAULT_TAB_TITLE,
                    source.sentence_count,
                    len(columns),
                )
                self._fill(google, target, columns, source)
                if options.get("folder_id"):
                    move_to_folder(google, target.spreadsheet_id, options["folder_id"])
                self._share_new(google, target, writers, public_link)
        return ExportResult(
            url=target.url,
            details={"spreadsheet_id": target.spreadsheet_id, "sheet_id": target.sheet_id, "tab": target.tab_title},
        )

    @staticmethod
    def _fill(google, target, columns, source, errors=None):
        rows = (row_values(row, columns) for row in source.rows())
        if target.with_header:
            rows = itertools.chain([header_values(columns)], rows)
        write_rows(google, target.spreadsheet_id, target.tab_title, rows, target.first_row, len(columns), errors)
        if target.with_header:
            google.call(
                google.sheets.spreadsheets().batchUpdate(
                    spreadsheetId=target.spreadsheet_id,
                    body={"requests": formatting_requests(target.sheet_id, columns, target.freeze_header)},
                ),
                "format the spreadsheet",
                errors=errors,
            )

    @staticmethod
    def _share_new(google, target, writers, public_link):
        try:
            share(google, target.spreadsheet_id, writers, public_link)
        except AppError as error:
            # The spreadsheet is complete; say where, so the user can share it by hand.
            error.message = f"The sentences were exported to {target.url}, but not shared: {error.message}"
            raise
