"""Strict Colander types for JSON: a number is not a string, a boolean is not a number.

Colander's own String and Int convert whatever they are given (``123`` becomes
``"123"``, ``5.9`` becomes ``5``). A JSON API should refuse wrong types instead.
"""

import colander


class StrictString(colander.String):
    def deserialize(self, node, cstruct):
        if cstruct is not colander.null and not isinstance(cstruct, str):
            raise colander.Invalid(node, "Must be a string")
        return super().deserialize(node, cstruct)


class StrictInt(colander.Int):
    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return cstruct
        if isinstance(cstruct, bool) or not isinstance(cstruct, int):
            raise colander.Invalid(node, "Must be an integer")
        return cstruct


class QueryInt(colander.Int):
    """An integer from a query string: digits only, with an optional minus sign."""

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return cstruct
        text = str(cstruct).strip()
        if not text.lstrip("-").isdigit() or len(text) > 18:
            raise colander.Invalid(node, "Must be an integer")
        return int(text)


class StrictMapping(colander.MappingSchema):
    """A JSON object whose unknown keys are an error, not silently dropped."""

    @staticmethod
    def schema_type():
        return colander.Mapping(unknown="raise")


class HeadersMapping(colander.MappingSchema):
    """Headers: only the ones we read are validated; the rest are not ours to judge."""

    @staticmethod
    def schema_type():
        return colander.Mapping(unknown="ignore")


def string_node(min_length=1, max_length=None, validator=None, **kwargs):
    """A JSON string node with a length range and, optionally, a further validator."""
    length = colander.Length(min=min_length, max=max_length)
    return colander.SchemaNode(
        StrictString(allow_empty=min_length == 0),
        validator=colander.All(length, validator) if validator else length,
        **kwargs,
    )
