"""Colander schemas of the word-list requests, shared by v1 and v2.

A list is created from JSON words, an uploaded CSV or text file (multipart,
the frontend's ``file``, ``name`` and ``fold_diacritics`` fields), or a Google
Sheet (``sheet_url``, or the frontend's ``source_ref``, with ``source_type``
``google_sheet``). The body is one schema for both media types; its validator
asks for exactly one source.
"""

import colander

from novel_pyramid.jobs.schemas import UploadedFile
from novel_pyramid.schema.types import EmptyQuery, JsonBoolean, QueryInt, StrictMapping, string_node
from novel_pyramid.wordlists.models import NAME_MAX_LENGTH, SOURCE_REF_MAX_LENGTH, SOURCE_TYPES, SourceType

# Room for a list at the largest entry count the settings allow (wordlists.max_entries), as JSON or a file.
MAX_BODY_BYTES = 4 * 1024 * 1024 + 64 * 1024
MAX_WORD_LENGTH = 1000
MAX_ID = 2**31 - 1
SOURCES = ("words", "file", "sheet_url")


class FlexBoolean(colander.SchemaType):
    """A JSON ``true``/``false``, or a form's ``"true"``/``"false"`` (the frontend's FormData)."""

    def deserialize(self, node, cstruct):
        if cstruct is colander.null or isinstance(cstruct, bool):
            return cstruct
        if cstruct in ("true", "false"):
            return cstruct == "true"
        raise colander.Invalid(node, 'Must be true or false (in a form: "true" or "false")')

    def serialize(self, node, appstruct):
        return appstruct

    def json_schema(self, node):
        return {"type": "boolean"}


class Words(colander.SequenceSchema):
    """Strings only: a single string is refused, not read as a list of its letters."""

    word = string_node(min_length=0, max_length=MAX_WORD_LENGTH)

    def schema_type(self):
        return StrictSequence()


class StrictSequence(colander.Sequence):
    def deserialize(self, node, cstruct):
        if cstruct is not colander.null and not isinstance(cstruct, list):
            raise colander.Invalid(node, "Must be a list of words")
        return super().deserialize(node, cstruct)


def name_node(**kwargs):
    return string_node(max_length=NAME_MAX_LENGTH, description="The list's name.", **kwargs)


def fold_node():
    return colander.SchemaNode(
        FlexBoolean(),
        missing=colander.drop,
        description="Fold diacritics in the keys (é as e); default: the setting wordlists.fold_diacritics.",
    )


class CreateWordListBody(StrictMapping):
    """``words`` (JSON), a ``file`` (multipart) or a Google Sheet (``sheet_url``): exactly one of them."""

    json_schema_extra = {"anyOf": [{"required": ["words"]}, {"required": ["file"]}, {"required": ["sheet_url"]}]}

    name = name_node()
    words = Words(
        missing=colander.drop,
        validator=colander.Length(min=1),
        description="The entries, one word each; variants as un|une. Lines that are no word are counted as junk.",
    )
    file = colander.SchemaNode(
        UploadedFile(),
        missing=colander.drop,
        description="A CSV (the first column, or the one headed word/mot) or a text file with one word a line; "
        "UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252/Latin-1.",
    )
    source_type = string_node(
        validator=colander.OneOf(SOURCE_TYPES),
        missing=colander.drop,
        description="manual (default with words), csv, or google_sheet (read sheet_url or source_ref).",
    )
    source_ref = string_node(
        max_length=SOURCE_REF_MAX_LENGTH,
        missing=colander.drop,
        description="With google_sheet: the spreadsheet's address or id (as sheet_url).",
    )
    sheet_url = string_node(
        max_length=SOURCE_REF_MAX_LENGTH,
        missing=colander.drop,
        description="A Google Sheets address or spreadsheet id; its first tab is read with your Google grant.",
    )
    fold_diacritics = fold_node()
    include_header = colander.SchemaNode(
        FlexBoolean(),
        missing=colander.drop,
        description="Sheets: false skips the first row as a header (a row headed word or mot always is).",
    )

    def validator(self, node, body):
        given = [name for name in SOURCES if name in body]
        if body.get("source_type") == SourceType.GOOGLE_SHEET and "source_ref" in body and "sheet_url" not in body:
            given.append("sheet_url")
        if len(given) == 1:
            return
        error = colander.Invalid(node)
        if given:
            message = f"Send only one of {', '.join(given)}"
        else:
            message = "Send the words, a file, or a Google Sheet's sheet_url"
        for name in given or SOURCES:
            error.add(colander.Invalid(node[name], message))
        raise error


class CreateWordListRequest(colander.MappingSchema):
    body = CreateWordListBody()
    querystring = EmptyQuery(missing={})


class WordListPath(colander.MappingSchema):
    id = colander.SchemaNode(QueryInt(), validator=colander.Range(1, MAX_ID))


class WordListRequest(colander.MappingSchema):
    path = WordListPath()
    querystring = EmptyQuery(missing={})


class RenameBody(StrictMapping):
    # GET returns these; a client may send the object back with its name changed.
    read_only_fields = (
        "id",
        "owner_user_id",
        "source_type",
        "source_ref",
        "normalized_count",
        "canonical_samples",
        "is_global_default",
        "fold_diacritics",
        "version",
        "original_count",
        "duplicate_count",
        "junk_count",
        "duplicates",
        "anomalies",
        "created_at",
        "updated_at",
    )

    name = name_node()


class RenameRequest(WordListRequest):
    body = RenameBody()


class RefreshBody(StrictMapping):
    include_header = colander.SchemaNode(
        JsonBoolean(), missing=colander.drop, description="false skips the sheet's first row as a header."
    )


class RefreshRequest(WordListRequest):
    body = RefreshBody(missing={})
