"""Strict Colander types for JSON: a number is not a string, a boolean is not a number.

Colander's own String and Int convert whatever they are given (``123`` becomes
``"123"``, ``5.9`` becomes ``5``). A JSON API should refuse wrong types instead.
"""

import re

import colander

QUERY_INT_RE = re.compile(r"-?[0-9]+")


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
        # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
        if not QUERY_INT_RE.fullmatch(text) or len(text) > 18:
            raise colander.Invalid(node, "Must be an integer")
        return int(text)


# How much of a client's unknown key is repeated back in an error.
UNKNOWN_KEY_SHOWN_CHARACTERS = 64


class JsonObject(colander.Mapping):
    """A JSON object whose unknown keys are errors, each filed under its own name.

    ``read_only`` names keys that the API returns and clients send back unchanged
    (for instance ``updated_at``): they are accepted and dropped, not refused.
    """

    def __init__(self, read_only=()):
        super().__init__(unknown="raise")
        self.read_only = tuple(read_only)

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return super().deserialize(node, cstruct)
        if not isinstance(cstruct, dict):
            raise colander.Invalid(node, "Must be a JSON object")
        known = {child.name for child in node.children}
        unknown = [key for key in cstruct if key not in known and key not in self.read_only]
        error = colander.Invalid(node)
        appstruct = None
        try:
            appstruct = super().deserialize(node, {key: value for key, value in cstruct.items() if key in known})
        except colander.Invalid as invalid:
            error = invalid
        for key in unknown:
            error.add(colander.Invalid(_field_named(key), _unknown_field_message(known)))
        if error.children or error.msg:
            raise error
        return appstruct


def _field_named(key):
    shown = key if len(key) <= UNKNOWN_KEY_SHOWN_CHARACTERS else key[:UNKNOWN_KEY_SHOWN_CHARACTERS] + "…"
    return colander.SchemaNode(colander.String(), name=shown)


def _unknown_field_message(known):
    if not known:
        return "Unknown field: nothing may be sent here"
    return "Unknown field; the fields accepted here are " + ", ".join(sorted(known))


class StrictMapping(colander.MappingSchema):
    """A JSON object whose unknown keys are an error, not silently dropped."""

    # Keys the API returns that a client may send back; they are ignored.
    read_only_fields = ()

    def schema_type(self):
        return JsonObject(read_only=self.read_only_fields)


class EmptyQuery(StrictMapping):
    """A query string with no parameters: any parameter is refused."""


class NoInputRequest(colander.MappingSchema):
    """Endpoints that take nothing still refuse unknown query parameters."""

    querystring = EmptyQuery(missing={})


class HeadersMapping(colander.MappingSchema):
    """Headers: only the ones we read are validated; the rest are not ours to judge."""

    @staticmethod
    def schema_type():
        return colander.Mapping(unknown="ignore")


class Length(colander.Length):
    """colander.Length, worded for what is measured: characters of a string, items of a list."""

    def __call__(self, node, value):
        unit = "characters" if isinstance(value, str) else "items"
        if self.min is not None and len(value) < self.min:
            raise colander.Invalid(node, f"Must have at least {self.min} {_singular(unit, self.min)}")
        if self.max is not None and len(value) > self.max:
            raise colander.Invalid(node, f"Must have at most {self.max} {_singular(unit, self.max)}")


def _singular(unit, count):
    return unit[:-1] if count == 1 else unit


class ClearableString(colander.SchemaType):
    """A JSON string, or null or "" to clear the value (``None``); an absent key stays absent."""

    def __init__(self, max_length):
        self.max_length = max_length

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return cstruct
        if cstruct is None or cstruct == "":
            return None
        if not isinstance(cstruct, str):
            raise colander.Invalid(node, "Must be a string, or null to clear it")
        if len(cstruct) > self.max_length:
            raise colander.Invalid(node, f"Must have at most {self.max_length} characters")
        return cstruct

    def json_schema(self, node):
        """For the OpenAPI document (novel_pyramid.api.openapi.converter)."""
        return {"type": "string", "maxLength": self.max_length, "nullable": True}


class ClearableInt(colander.SchemaType):
    """A JSON integer, or null to clear the value (``None``); an absent key stays absent."""

    def __init__(self, minimum, maximum):
        self.minimum, self.maximum = minimum, maximum

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return cstruct
        if cstruct is None:
            return None
        if isinstance(cstruct, bool) or not isinstance(cstruct, int):
            raise colander.Invalid(node, "Must be an integer, or null to clear it")
        if not self.minimum <= cstruct <= self.maximum:
            raise colander.Invalid(node, f"Must be between {self.minimum} and {self.maximum}")
        return cstruct

    def json_schema(self, node):
        """For the OpenAPI document (novel_pyramid.api.openapi.converter)."""
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum, "nullable": True}


def unless_cleared(validator):
    """Run ``validator`` on a clearable field's value, but not on ``None`` (the value cleared)."""

    def validate(node, value):
        if value is not None:
            validator(node, value)

    validate.json_schema = getattr(validator, "json_schema", None)
    return validate


def string_node(min_length=1, max_length=None, validator=None, **kwargs):
    """A JSON string node with a length range and, optionally, a further validator."""
    length = Length(min=min_length, max=max_length)
    return colander.SchemaNode(
        StrictString(allow_empty=min_length == 0),
        validator=colander.All(length, validator) if validator else length,
        **kwargs,
    )


class JsonBoolean(colander.Boolean):
    """A JSON ``true`` or ``false`` and nothing else (colander.Boolean takes any string as true)."""

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return cstruct
        if not isinstance(cstruct, bool):
            raise colander.Invalid(node, "Must be true or false")
        return cstruct

    def json_schema(self, node):
        """For the OpenAPI document (novel_pyramid.api.openapi.converter)."""
        return {"type": "boolean"}
