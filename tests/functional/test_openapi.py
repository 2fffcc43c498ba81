"""The served OpenAPI documents: valid, complete, and true to what validation accepts.

The last tests derive requests from the documents themselves: a request built
from a documented schema must pass validation, and one breaking a single
documented constraint must get the 400 error body. That is the check that the
document and the Colander schema are one truth, not two.
"""

import json
import re

import hypothesis
import pytest
from openapi_spec_validator import validate

from novel_pyramid.api.openapi.document import services_under
from novel_pyramid.api.openapi.operations import UNDECLARED_SUCCESS, openapi_path
from tests.functional.conftest import bearer

PREFIXES = ("/api/v1", "/api/v2")


@pytest.fixture
def documents(testapp):
    return {prefix: testapp.get(f"{prefix}/openapi.json").json for prefix in PREFIXES}


@pytest.mark.parametrize("prefix", PREFIXES)
def test_document_is_public_json_and_valid_openapi(testapp, prefix):
    response = testapp.get(f"{prefix}/openapi.json")
    assert response.content_type == "application/json"
    validate(response.json)
    assert response.json["servers"] == [{"url": prefix}]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_registered_cornice_route_is_documented(testapp, documents, prefix):
    registry = testapp.app.registry
    services = services_under(registry, prefix)
    assert services or prefix != "/api/v1"
    for relative_path, service in services:
        template, _ = openapi_path(relative_path)
        documented = documents[prefix]["paths"][template]
        for method in service.defined_methods:
            if method not in ("HEAD", "OPTIONS"):
                assert method.lower() in documented, f"{method} {prefix}{relative_path}"


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_operation_declares_its_success_schema(documents, prefix):
    undeclared = [
        f"{method.upper()} {path}"
        for path, item in documents[prefix]["paths"].items()
        for method, operation in item.items()
        if any(response["description"] == UNDECLARED_SUCCESS for response in operation["responses"].values())
    ]
    assert undeclared == [], "declare these in the API package's responses.py"


def test_v1_documents_the_contract_endpoints(documents):
    paths = documents["/api/v1"]["paths"]
    expected = {
        "/health": {"get"},
        "/auth/google": {"post"},
        "/auth/refresh": {"post"},
        "/auth/me": {"get"},
        "/auth/logout": {"post"},
        "/auth/dev-login": {"post"},
        "/settings": {"get", "post", "put"},
        "/history": {"get"},
        "/history/{id}": {"delete"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    assert paths["/settings"]["get"]["security"] == [{"bearerAuth": []}]
    assert "security" not in paths["/health"]["get"]
    assert "404" in paths["/history/{id}"]["delete"]["responses"]


def test_dev_login_is_documented_only_where_enabled(make_app):
    document = make_app(**{"auth.dev_login": "false"}).get("/api/v1/openapi.json").json
    assert "/auth/dev-login" not in document["paths"]


# --- requests derived from the documents ---------------------------------------------


def example(schema):
    """A small value the schema accepts (enough of JSON Schema for our documents)."""
    if "anyOf" in schema:
        # Satisfy the first alternative: on an object it adds required keys, elsewhere it replaces.
        first = schema["anyOf"][0]
        if schema.get("type") == "object":
            rest = {key: value for key, value in schema.items() if key != "anyOf"}
            return example({**rest, "required": rest.get("required", []) + first.get("required", [])})
        return example(first)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        names = list(schema.get("required", []))
        optional = [name for name in properties if name not in names]
        names += optional[: max(schema.get("minProperties", 0) - len(names), 0)]
        return {name: example(properties[name]) for name in names}
    if kind == "array":
        return [example(schema.get("items", {}))] * schema.get("minItems", 0)
    if kind == "integer":
        return max(schema.get("minimum", 1), 1) if schema.get("maximum", 1) >= 1 else schema["maximum"]
    if kind == "boolean":
        return True
    if kind == "string":
        text = "a" * max(schema.get("minLength", 0), 1)
        if "pattern" in schema and not re.search(schema["pattern"], text):
            # The simplest text the documented pattern admits, found by Hypothesis.
            text = hypothesis.find(hypothesis.strategies.from_regex(schema["pattern"]), lambda found: True)
        return text
    return None


def violations(schema):
    """``(what, value)`` pairs, each breaking one documented constraint of an object schema."""
    properties = schema.get("properties", {})
    base = example(schema)
    if schema.get("additionalProperties") is False:
        yield "unknown key", {**base, "not_documented": 1}
    for name in schema.get("required", []):
        yield f"{name} missing", {key: value for key, value in base.items() if key != name}
    for name, prop in properties.items():
        if prop.get("readOnly"):
            continue  # returned by the API and ignored when sent back: any value is accepted
        for what, bad in _bad_values(prop):
            yield f"{name}: {what}", {**base, name: bad}


def _bad_values(prop):
    # An optional string is documented as "these constraints, or empty (absent)".
    empty_allowed = "anyOf" in prop
    prop = prop["anyOf"][0] if empty_allowed else prop
    kind = prop.get("type")
    yield "wrong type", [] if kind != "array" else "text"
    if "maximum" in prop:
        yield "above maximum", prop["maximum"] + 1
    if "minimum" in prop:
        yield "below minimum", prop["minimum"] - 1
    if "maxLength" in prop:
        yield "too long", "a" * (prop["maxLength"] + 1)
    if prop.get("minLength", 0) >= 1 and not empty_allowed:
        yield "empty", ""
    if kind == "integer":
        yield "a float", 1.5
        yield "a boolean", True
    if "enum" in prop:
        yield "not a choice", "not-one-of-the-choices"


def json_operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                yield path, method, operation, content["application/json"]["schema"]


def _url(prefix, path, operation):
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", str(example(parameter["schema"])))
    return prefix + path


def _send(testapp, method, url, body, headers):
    return getattr(testapp, f"{method}_json")(url, body, headers=headers, expect_errors=True)


# v1, the contract API, is checked whole; v2's operations are fuzzed by schemathesis.
@pytest.mark.parametrize("prefix", ["/api/v1"])
def test_documented_json_bodies_match_validation(testapp, auth_headers, documents, prefix):
    headers = auth_headers()
    checked = 0
    for path, method, operation, schema in json_operations(documents[prefix]):
        if path == "/auth/logout":
            continue
        url = _url(prefix, path, operation)
        accepted = _send(testapp, method, url, example(schema), headers)
        assert accepted.status_int != 400 or accepted.json["code"] != "invalid_input", (
            f"{method} {url} refused the documented example: {accepted.json}"
        )
        for what, body in violations(schema):
            refused = _send(testapp, method, url, body, headers)
            assert refused.status_int == 400, f"{method} {url} accepted {what}: {json.dumps(body)}"
            assert set(refused.json) >= {"error", "code"}
            checked += 1
    assert checked > 0


def test_documented_query_parameters_match_validation(testapp, auth_headers, documents):
    headers = auth_headers()
    limit = next(
        parameter
        for parameter in documents["/api/v1"]["paths"]["/history"]["get"]["parameters"]
        if parameter["name"] == "limit"
    )["schema"]
    for good in (limit["minimum"], limit["maximum"], limit["default"]):
        assert testapp.get("/api/v1/history", {"limit": good}, headers=headers).status_int == 200
    for bad in (limit["minimum"] - 1, limit["maximum"] + 1, "abc", "1.5"):
        response = testapp.get("/api/v1/history", {"limit": bad}, headers=headers, status=400)
        assert "limit" in response.json["details"]


def test_documented_path_parameter_range_matches_validation(testapp, auth_headers, documents):
    headers = auth_headers()
    (parameter,) = documents["/api/v1"]["paths"]["/history/{id}"]["delete"]["parameters"]
    schema = parameter["schema"]
    testapp.delete(f"/api/v1/history/{schema['maximum']}", headers=headers, status=404)
    testapp.delete(f"/api/v1/history/{schema['maximum'] + 1}", headers=headers, status=400)
    testapp.delete(f"/api/v1/history/{schema['minimum'] - 1}", headers=headers, status=400)


def test_documented_security_is_enforced(testapp, documents):
    for path, item in documents["/api/v1"]["paths"].items():
        for method, operation in item.items():
            if operation.get("security") and "{" not in path:
                response = getattr(testapp, method)(f"/api/v1{path}", headers=bearer("not-a-token"), status=401)
                assert response.json["code"] == "unauthorized"
