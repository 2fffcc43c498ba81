"""Colander node → JSON Schema: each type and validator, strict and open mappings, sequences, nullability."""

import colander
import pytest

from novel_pyramid.api.openapi.converter import QUERY_INT_MAXIMUM, QUERY_INT_MINIMUM, to_json_schema
from novel_pyramid.schema.types import (
    HeadersMapping,
    QueryInt,
    StrictInt,
    StrictMapping,
    StrictString,
    string_node,
)


def node(typ, **kwargs):
    return colander.SchemaNode(typ, **kwargs)


@pytest.mark.parametrize(
    ("typ", "expected"),
    [
        (StrictString(), {"type": "string", "minLength": 1}),
        (StrictString(allow_empty=True), {"type": "string"}),
        (colander.String(), {"type": "string", "minLength": 1}),
        (StrictInt(), {"type": "integer"}),
        (colander.Int(), {"type": "integer"}),
        (QueryInt(), {"type": "integer", "minimum": QUERY_INT_MINIMUM, "maximum": QUERY_INT_MAXIMUM}),
        (colander.Float(), {"type": "number"}),
        (colander.Decimal(), {"type": "number"}),
        (colander.Boolean(), {"type": "boolean"}),
        (colander.DateTime(), {"type": "string", "format": "date-time"}),
        (colander.Date(), {"type": "string", "format": "date"}),
        (colander.Time(), {"type": "string", "format": "time"}),
        (colander.List(), {"type": "array"}),
        (colander.Set(), {"type": "array", "uniqueItems": True}),
    ],
)
def test_scalar_types_map_to_exact_json_types(typ, expected):
    assert to_json_schema(node(typ)) == expected


def test_query_int_bounds_match_what_it_accepts():
    query_int = node(QueryInt())
    assert query_int.deserialize(str(QUERY_INT_MAXIMUM)) == QUERY_INT_MAXIMUM
    assert query_int.deserialize(str(QUERY_INT_MINIMUM)) == QUERY_INT_MINIMUM
    for beyond in (QUERY_INT_MAXIMUM + 1, QUERY_INT_MINIMUM - 1):
        with pytest.raises(colander.Invalid):
            query_int.deserialize(str(beyond))


def test_unknown_type_is_any_value():
    class Opaque(colander.SchemaType):
        pass

    assert to_json_schema(node(Opaque())) == {}


def test_a_type_can_describe_itself():
    class Upload(colander.SchemaType):
        def json_schema(self, node):
            return {"type": "string", "format": "binary"}

    assert to_json_schema(node(Upload())) == {"type": "string", "format": "binary"}


def test_range_on_integers_narrows_query_int_bounds():
    assert to_json_schema(node(QueryInt(), validator=colander.Range(1, 1000))) == {
        "type": "integer",
        "minimum": 1,
        "maximum": 1000,
    }
    assert to_json_schema(node(StrictInt(), validator=colander.Range(min=3))) == {"type": "integer", "minimum": 3}


def test_length_applies_to_strings_and_arrays():
    assert to_json_schema(string_node(max_length=255)) == {"type": "string", "minLength": 1, "maxLength": 255}
    assert to_json_schema(string_node(min_length=0, max_length=5)) == {
        "type": "string",
        "minLength": 0,
        "maxLength": 5,
    }

    class Names(colander.SequenceSchema):
        name = string_node(max_length=10)

    assert to_json_schema(Names(validator=colander.Length(1, 100))) == {
        "type": "array",
        "items": {"type": "string", "minLength": 1, "maxLength": 10},
        "minItems": 1,
        "maxItems": 100,
    }


def test_choice_validators():
    assert to_json_schema(node(StrictString(), validator=colander.OneOf(["a", "b"])))["enum"] == ["a", "b"]
    assert to_json_schema(node(StrictString(), validator=colander.NoneOf(["x"])))["not"] == {"enum": ["x"]}

    class Tags(colander.SequenceSchema):
        tag = node(StrictString())

    schema = to_json_schema(Tags(validator=colander.ContainsOnly(["red", "blue"])))
    assert schema["items"]["enum"] == ["red", "blue"]


def test_all_combines_its_validators():
    validator = colander.All(colander.Length(max=10), colander.OneOf(["short"]))
    assert to_json_schema(node(StrictString(), validator=validator)) == {
        "type": "string",
        "minLength": 1,
        "maxLength": 10,
        "enum": ["short"],
    }


def test_email_url_uuid_and_portable_regex():
    email = to_json_schema(node(StrictString(), validator=colander.Email()))
    assert "format" not in email
    assert email["pattern"] == colander.EMAIL_RE
    assert to_json_schema(node(StrictString(), validator=colander.url))["format"] == "uri"
    assert to_json_schema(node(StrictString(), validator=colander.uuid))["format"] == "uuid"
    assert to_json_schema(node(StrictString(), validator=colander.Regex(r"^[a-z]+$")))["pattern"] == "^[a-z]+$"


def test_regex_with_flags_json_schema_cannot_express_is_left_out():
    import re

    schema = to_json_schema(node(StrictString(), validator=colander.Regex("^[a-z]+$", flags=re.IGNORECASE)))
    assert "pattern" not in schema


def test_unknown_validator_is_ignored_but_a_self_describing_one_is_merged():
    def must_be_even(node, value):
        if value % 2:
            raise colander.Invalid(node, "odd")

    assert to_json_schema(node(StrictInt(), validator=must_be_even)) == {"type": "integer"}
    must_be_even.json_schema = {"multipleOf": 2}
    assert to_json_schema(node(StrictInt(), validator=must_be_even)) == {"type": "integer", "multipleOf": 2}


class Settings(StrictMapping):
    limit = node(StrictInt(), validator=colander.Range(3, 50))
    label = string_node(max_length=20, missing=colander.drop)
    page = node(StrictInt(), missing=1)


def test_strict_mapping_refuses_unknown_keys_and_lists_required_ones():
    assert to_json_schema(Settings()) == {
        "type": "object",
        "properties": {
            "limit": {"type": "integer", "minimum": 3, "maximum": 50},
            "label": {"anyOf": [{"type": "string", "minLength": 1, "maxLength": 20}, {"type": "string", "enum": [""]}]},
            "page": {"type": "integer", "default": 1},
        },
        "required": ["limit"],
        "additionalProperties": False,
    }
    with pytest.raises(colander.Invalid):
        Settings().deserialize({"limit": 5, "unknown": 1})


def test_optional_string_documents_that_empty_means_absent():
    # Colander turns "" into a missing value before validators run: the field is dropped, not refused.
    assert Settings().deserialize({"limit": 5, "label": ""}) == {"limit": 5, "page": 1}
    with pytest.raises(colander.Invalid):
        Settings().deserialize({"limit": 5, "label": "x" * 21})
    required = to_json_schema(string_node(max_length=3))
    assert required == {"type": "string", "minLength": 1, "maxLength": 3}
    nullable = to_json_schema(string_node(missing=colander.drop, nullable=True, description="d"))
    assert nullable == {
        "anyOf": [{"type": "string", "minLength": 1, "nullable": True}, {"type": "string", "enum": [""]}],
        "description": "d",
    }


def test_plain_and_header_mappings_accept_unknown_keys():
    class Plain(colander.MappingSchema):
        name = string_node()

    class Headers(HeadersMapping):
        Prefer = string_node(missing=colander.drop)

    assert to_json_schema(Plain())["additionalProperties"] is True
    assert to_json_schema(Headers())["additionalProperties"] is True
    assert "required" not in to_json_schema(Headers())


def test_additional_properties_node_describes_values_of_other_keys():
    class Messages(colander.SequenceSchema):
        message = node(StrictString())

    class Open(colander.MappingSchema):
        @staticmethod
        def schema_type():
            return colander.Mapping(unknown="preserve")

    schema = to_json_schema(Open(additional_properties=Messages()))
    assert schema["additionalProperties"] == {"type": "array", "items": {"type": "string", "minLength": 1}}


def test_nested_mappings_and_sequences_of_mappings():
    class Item(StrictMapping):
        id = node(StrictInt())

    class Items(colander.SequenceSchema):
        item = Item()

    class Page(StrictMapping):
        items = Items()

    schema = to_json_schema(Page())
    assert schema["properties"]["items"]["items"]["properties"]["id"] == {"type": "integer"}
    assert schema["properties"]["items"]["items"]["additionalProperties"] is False


def test_tuple_has_fixed_length():
    class Pair(colander.TupleSchema):
        left = node(StrictInt())
        right = node(StrictString())

    schema = to_json_schema(Pair())
    assert schema["minItems"] == schema["maxItems"] == 2
    assert schema["items"] == {"anyOf": [{"type": "integer"}, {"type": "string", "minLength": 1}]}


def test_nullable_description_and_extra():
    schema = to_json_schema(node(StrictString(), nullable=True, description="Shown to people"))
    assert schema == {"type": "string", "minLength": 1, "nullable": True, "description": "Shown to people"}

    class AtLeastOne(StrictMapping):
        json_schema_extra = {"minProperties": 1}
        token = string_node(missing=colander.drop)

    assert to_json_schema(AtLeastOne())["minProperties"] == 1


@pytest.mark.parametrize(
    ("missing", "has_default"),
    [(colander.drop, False), (colander.required, False), (None, True), (8, True), ({}, False), ("x", True)],
)
def test_defaults_only_for_json_values(missing, has_default):
    schema = to_json_schema(node(StrictInt(), missing=missing))
    assert ("default" in schema) is has_default
    if has_default:
        assert schema["default"] == missing


def test_deferred_missing_is_not_a_default():
    schema = to_json_schema(node(StrictInt(), missing=colander.deferred(lambda node, kw: 1)))
    assert "default" not in schema
