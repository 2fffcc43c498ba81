"""Colander nodes to JSON Schema, in the dialect of OpenAPI 3.0 (``nullable``, no type arrays).

The schemas that validate requests are the ones we document, so the mapping must
be exact: a document that promises more (or less) than validation accepts would
send clients and the fuzzer the wrong way.

Extension points, for types and validators this module does not know:

- a Colander *type* may define ``json_schema(node) -> dict`` (e.g. an upload
  type returns ``{"type": "string", "format": "binary"}``);
- a *validator* may carry a ``json_schema`` dict, merged into the node's schema;
- a mapping *node* may set ``additional_properties`` to a Colander node: the
  schema of the values under keys it does not name (``{field: [messages]}``);
- a *node* may set ``json_schema_extra`` (a dict merged last, e.g.
  ``{"minProperties": 1}`` for "at least one of these keys") and ``nullable=True``
  when JSON ``null`` is accepted;
- a *node* may set ``json_schema_of(registry, schema) -> dict``, the schema
  refined by what only the running application knows (the installed exporter
  plugins); it applies when a ``registry`` is given, as the OpenAPI document does.
"""

import re

import colander

from novel_pyramid.schema.types import QueryInt

# QueryInt accepts at most 18 characters: 18 digits, or a minus sign and 17.
QUERY_INT_MAXIMUM = 10**18 - 1
QUERY_INT_MINIMUM = -(10**17 - 1)

# Regex flags that ECMA-262 patterns (what JSON Schema means by "pattern") cannot express.
_UNPORTABLE_FLAGS = re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE


def to_json_schema(node, registry=None):
    """The JSON Schema of one Colander node (its type, validators, default, nullability)."""
    schema = _type_schema(node, registry)
    _apply_validator(schema, node.validator)
    if getattr(node, "nullable", False):
        schema["nullable"] = True
    if _empty_string_means_absent(node, schema):
        schema = {"anyOf": [schema, {"type": "string", "enum": [""]}]}
    if not node.required and _is_json_value(node.missing) and node.missing != {}:
        schema["default"] = node.missing
    if getattr(node, "description", None):
        schema["description"] = str(node.description)
    schema.update(getattr(node, "json_schema_extra", None) or {})
    of_registry = getattr(node, "json_schema_of", None)
    if registry is not None and callable(of_registry):
        schema = of_registry(registry, schema)
    return schema


def _empty_string_means_absent(node, schema):
    # Colander reads "" as a missing value before any validator runs, so an
    # optional string field given "" is accepted as if it were not sent.
    return (
        not node.required
        and isinstance(node.typ, colander.String)
        and not node.typ.allow_empty
        and schema.get("minLength", 0) >= 1
    )


def _type_schema(node, registry):
    typ = node.typ
    if callable(getattr(typ, "json_schema", None)):
        return dict(typ.json_schema(node))
    if isinstance(typ, colander.Mapping):
        return _mapping_schema(node, registry)
    if isinstance(typ, colander.Sequence):
        return {"type": "array", "items": _only_child_schema(node, registry)}
    if isinstance(typ, colander.Tuple):
        return _tuple_schema(node, registry)
    if isinstance(typ, colander.Set):
        return {"type": "array", "uniqueItems": True}
    if isinstance(typ, colander.List):
        return {"type": "array"}
    if isinstance(typ, colander.String):
        return _string_schema(typ)
    if isinstance(typ, QueryInt):
        return {"type": "integer", "minimum": QUERY_INT_MINIMUM, "maximum": QUERY_INT_MAXIMUM}
    if isinstance(typ, colander.Int):
        return {"type": "integer"}
    if isinstance(typ, (colander.Float, colander.Decimal)):
        return {"type": "number"}
    if isinstance(typ, colander.Boolean):
        return {"type": "boolean"}
    if isinstance(typ, colander.DateTime):
        return {"type": "string", "format": "date-time"}
    if isinstance(typ, colander.Date):
        return {"type": "string", "format": "date"}
    if isinstance(typ, colander.Time):
        return {"type": "string", "format": "time"}
    # An unknown type accepts we cannot say what: document "any value" rather than guess.
    return {}


def _string_schema(typ):
    schema = {"type": "string"}
    # Colander turns "" into a missing value unless allow_empty is set, so an
    # empty string is never a valid value of a plain String node.
    if not getattr(typ, "allow_empty", False):
        schema["minLength"] = 1
    return schema


def _mapping_schema(node, registry):
    properties, required = {}, []
    for child in node.children:
        properties[child.name] = to_json_schema(child, registry)
        if child.required:
            required.append(child.name)
    for name in getattr(node.typ, "read_only", ()):
        properties[name] = {"readOnly": True, "description": "Returned by the API; ignored when sent back."}
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    # "raise" rejects unknown keys; "ignore" drops them and "preserve" keeps
    # them, and both of those accept them.
    schema["additionalProperties"] = getattr(node.typ, "unknown", "ignore") != "raise"
    values = getattr(node, "additional_properties", None)
    if isinstance(values, colander.SchemaNode) and schema["additionalProperties"]:
        schema["additionalProperties"] = to_json_schema(values, registry)
    return schema


def _only_child_schema(node, registry):
    return to_json_schema(node.children[0], registry) if node.children else {}


def _tuple_schema(node, registry):
    # OpenAPI 3.0 has no prefixItems: say how many items, and that each is one of the kinds.
    items = [to_json_schema(child, registry) for child in node.children]
    schema = {"type": "array", "minItems": len(items), "maxItems": len(items)}
    if items:
        schema["items"] = items[0] if len(items) == 1 else {"anyOf": items}
    return schema


def _apply_validator(schema, validator):
    if validator is None:
        return
    if isinstance(validator, colander.All):
        for each in validator.validators:
            _apply_validator(schema, each)
        return
    extra = getattr(validator, "json_schema", None)
    if isinstance(extra, dict):
        schema.update(extra)
    elif isinstance(validator, colander.Range):
        _apply_range(schema, validator)
    elif isinstance(validator, colander.Length):
        _apply_length(schema, validator)
    elif isinstance(validator, colander.OneOf):
        schema["enum"] = list(validator.choices)
    elif isinstance(validator, colander.NoneOf):
        schema["not"] = {"enum": list(validator.forbidden)}
    elif isinstance(validator, colander.ContainsOnly):
        schema.setdefault("items", {})["enum"] = list(validator.choices)
    elif isinstance(validator, colander.Email):
        # The pattern is exactly what Colander accepts; "format: email" would
        # promise a different (RFC 5321) grammar that clients and fuzzers check.
        schema["pattern"] = colander.EMAIL_RE
    elif validator is colander.url:
        schema["format"] = "uri"
    elif validator is colander.uuid:
        schema["format"] = "uuid"
    elif isinstance(validator, colander.Regex):
        _apply_pattern(schema, validator.match_object)


def _apply_range(schema, validator):
    if validator.min is not None:
        schema["minimum"] = max(validator.min, schema.get("minimum", validator.min))
    if validator.max is not None:
        schema["maximum"] = min(validator.max, schema.get("maximum", validator.max))


def _apply_length(schema, validator):
    kind = schema.get("type")
    low, high = {
        "array": ("minItems", "maxItems"),
        "object": ("minProperties", "maxProperties"),
    }.get(kind, ("minLength", "maxLength"))
    if validator.min is not None:
        schema[low] = max(validator.min, schema.get(low, 0))
    if validator.max is not None:
        schema[high] = validator.max


def _apply_pattern(schema, compiled):
    # A pattern another language would read differently is worse than none.
    if not compiled.flags & _UNPORTABLE_FLAGS:
        schema["pattern"] = compiled.pattern


def _is_json_value(value):
    if value is None or isinstance(value, (str, bool, int, float)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_json_value(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json_value(v) for k, v in value.items())
    # colander.drop, colander.required, deferreds, dates and Decimals are not JSON defaults.
    return False
