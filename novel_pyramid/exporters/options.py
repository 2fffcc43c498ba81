"""Colander building blocks for exporter options.

The same options arrive as JSON (``POST .../exports``: ``true``) and as a query
string (``GET .../exports/csv?bom=true``: ``"true"``), so a flag accepts both a
JSON boolean and the words true/false/1/0 -- and nothing else, unlike
colander.Boolean, which takes any string as true.
"""

import colander

from novel_pyramid.schema.types import JsonBoolean, StrictMapping

TRUE_WORDS = ("true", "1", "yes")
FALSE_WORDS = ("false", "0", "no")


class Flag(colander.SchemaType):
    def serialize(self, node, appstruct):
        return colander.null if appstruct is colander.null else bool(appstruct)

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return cstruct
        if isinstance(cstruct, bool):
            return cstruct
        if isinstance(cstruct, str) and cstruct.strip().lower() in TRUE_WORDS + FALSE_WORDS:
            return cstruct.strip().lower() in TRUE_WORDS
        raise colander.Invalid(node, "Must be true or false")

    def json_schema(self, node):
        """For the OpenAPI document (novel_pyramid.api.openapi.converter)."""
        return {"anyOf": [{"type": "boolean"}, {"type": "string", "enum": list(TRUE_WORDS + FALSE_WORDS)}]}


def flag_node(default=False, **kwargs):
    return colander.SchemaNode(Flag(), missing=default, **kwargs)


def include_original_node():
    return flag_node(
        description="Add a column with the sentence each row was rewritten from.",
    )


class NoOptions(StrictMapping):
    """For exporters that take no options: any key is an error."""


class NullableString(colander.String):
    """A JSON string, or null meaning "not given" (v1's ``"folderId": null``)."""

    def deserialize(self, node, cstruct):
        if cstruct is None:
            return colander.null
        if cstruct is not colander.null and not isinstance(cstruct, str):
            raise colander.Invalid(node, "Must be a string or null")
        return super().deserialize(node, cstruct)


def folder_id_node(**kwargs):
    """A Google Drive folder id: optional, at most 255 characters.

    null and "" both mean "none named" (the user's default folder, if any), as
    the legacy frontend may send either.
    """
    kwargs.setdefault("description", "Google Drive folder to put the spreadsheet in.")
    return colander.SchemaNode(
        NullableString(allow_empty=False),
        missing=None,
        nullable=True,
        validator=colander.Length(1, 255),
        **kwargs,
    )


def boolean_node(default=False, **kwargs):
    return colander.SchemaNode(JsonBoolean(), missing=default, **kwargs)
