"""Every schema's failure cases, through the app: each message is for a person.

The test walks every Cornice service of v1 and v2 and, for each field of each
request part, sends values that the field's own schema refuses. Every answer
must be a 4xx JSON error that names the field, in plain words: no Python
repr, no Colander wording, no template left unfilled.
"""

import json
import re
import urllib.parse

import colander
import pytest
from cornice.service import get_services

import novel_pyramid.api.v1  # noqa: F401  (registers the v1 services)
import novel_pyramid.api.v2  # noqa: F401  (registers the v2 services)

PREFIXES = {"v1": "/api/v1", "v2": "/api/v2"}
NOT_FOR_PEOPLE = re.compile(
    r"\{'|'\}|\['|\"\{|\"\[|\bNone\b|\bTrue\b|\bFalse\b|object at 0x|Traceback|\$\{|<class|"
    r"Unrecognized keys|mapping type|is not iterable|is not a number|minimum value|maximum value|"
    r"Shorter than|Longer than|Invalid email|expected pattern|dict-like"
)
JSON_CANDIDATES = [12345, 1.5, True, None, "zz-not-accepted", "", [], [12345], {}, {"zz": 1}, "x" * 300, -1, 0]
QUERY_CANDIDATES = ["abc", "", "-", "1.5", "\u00b2", "--1", "0", "-1", "99999999999999999999", "x" * 300]
UNKNOWN_FIELD = "zz_unknown_field"
# How deep into a JSON body's objects and lists the walk goes.
MAX_DEPTH = 2


def _operations():
    for service in get_services():
        version = service.name.split(".", 1)[0]
        if version not in PREFIXES:
            continue
        for method, _view, args in service.definitions:
            schema = args.get("schema")
            if method == "HEAD" or schema is None:
                continue
            yield pytest.param(version, service.path, method, schema, id=f"{method} {version}{service.path}")


def _refused(node, value):
    try:
        node.deserialize(value)
    except colander.Invalid:
        return True
    return False


def _bad_values(node, candidates):
    return [value for value in candidates if _refused(node, value)]


def _is_strict(node):
    return getattr(node.typ, "unknown", None) == "raise"


def _field_cases(node, candidates, depth=0):
    """(dotted path, value) pairs: a bad value at ``node`` or at one field inside it."""
    for value in _bad_values(node, candidates)[:6]:
        yield node.name, value
    if depth >= MAX_DEPTH:
        return
    if isinstance(node.typ, colander.Mapping):
        for child in node.children:
            for path, value in _field_cases(child, candidates, depth + 1):
                yield f"{node.name}.{path}", value
    elif isinstance(node.typ, colander.Sequence) and node.children:
        for path, value in _field_cases(node.children[0], candidates, depth + 1):
            yield f"{node.name}.0" + path[len(node.children[0].name) :], value


def _nested(path, value):
    """The JSON value that puts ``value`` at the dotted ``path`` (numbers are list positions)."""
    for key in reversed(path.split(".")[1:]):
        value = [value] if key.isdigit() else {key: value}
    return value


def _cases(schema):
    """(location, field path, value) triples: one bad value of one field of one request part."""
    for part in schema.children:
        location = part.name
        if location not in ("body", "querystring", "path"):
            continue
        if location == "body":
            for value in ([1, 2], "text", 7):
                yield location, None, value
        if _is_strict(part) and location != "path":
            yield location, UNKNOWN_FIELD, "1"
        # Query strings and paths are flat: only JSON bodies have fields inside fields.
        candidates, depth = (JSON_CANDIDATES, 0) if location == "body" else (QUERY_CANDIDATES, MAX_DEPTH)
        for field in part.children:
            for path, value in _field_cases(field, candidates, depth):
                yield location, path, value


def _valid_path_value(field):
    for value in ("1", "abc", "0"):
        if not _refused(field, value):
            return value
    return "1"


def _request(testapp, headers, prefix, path, method, schema, location, field, value):
    path_part = next((part for part in schema.children if part.name == "path"), None)
    params = {child.name: _valid_path_value(child) for child in (path_part.children if path_part else [])}
    if location == "path":
        params[field] = value
    url = prefix + path.format(**{name: urllib.parse.quote(str(v), safe="") for name, v in params.items()})
    if location == "querystring":
        url += "?" + urllib.parse.urlencode({field: value})
    body = b""
    if location == "body":
        top = field.split(".", 1)[0] if field else None
        body = json.dumps(value if field is None else {top: _nested(field, value)}).encode()
    return testapp.request(
        url,
        method=method,
        body=body,
        headers={**headers, "Content-Type": "application/json"} if body else headers,
        expect_errors=True,
    )


@pytest.mark.parametrize("version,path,method,schema", list(_operations()))
def test_every_refusal_is_in_plain_words_and_names_its_field(testapp, auth_headers, version, path, method, schema):
    headers = auth_headers()
    cases = list(_cases(schema))
    assert cases or not schema.children, "no failure case found for a schema with inputs"
    for location, field, value in cases:
        response = _request(testapp, headers, PREFIXES[version], path, method, schema, location, field, value)
        where = f"{method} {path} {location}.{field}={value!r:.60}"
        assert 400 <= response.status_int < 500, f"{where}: {response.status}"
        body = response.json
        assert isinstance(body["error"], str) and body["code"], where
        texts = [body["error"], *(m for messages in body.get("details", {}).values() for m in messages)]
        for text in texts:
            assert not NOT_FOR_PEOPLE.search(text), f"{where}: {text!r}"
        if response.status_int in (404, 413, 415):
            continue  # refused before validation, for a reason of its own
        named = field if field is not None else location
        assert any(key == named or key.startswith(f"{named}.") for key in body["details"]), (
            f"{where}: {body['details']}"
        )
        assert ":" in body["error"], f"{where}: {body['error']!r}"


def test_a_message_counts_the_other_problems(testapp, auth_headers):
    response = testapp.post_json(
        "/api/v1/settings",
        {"sentence_length_limit": 99, "default_wordlist_id": 0, "zz": 1},
        headers=auth_headers(),
        status=400,
    )
    assert response.json["error"].endswith("(and 2 more problems, listed in details)")
    assert set(response.json["details"]) == {"sentence_length_limit", "default_wordlist_id", "zz"}


@pytest.mark.parametrize(
    "url,expected",
    [
        ("/api/v1/history?limit=0", "limit: Must be at least 1"),
        ("/api/v1/history?limit=abc", "limit: Must be an integer"),
        ("/api/v2/jobs?status=nope", "status: Must be one of: "),
        ("/api/v1/settings?_LOCALE_=fr", "_LOCALE_: Unknown field"),
    ],
)
def test_query_string_messages(testapp, auth_headers, url, expected):
    response = testapp.get(url, headers=auth_headers(), status=400)
    assert response.json["error"].startswith(expected)


def test_a_body_that_is_not_an_object(testapp, auth_headers):
    response = testapp.post_json("/api/v1/settings", [1, 2], headers=auth_headers(), status=400)
    assert response.json["error"] == "Request body: Must be a JSON object"
    assert response.json["details"] == {"body": ["Must be a JSON object"]}


def test_a_missing_required_field(testapp):
    response = testapp.post_json("/api/v1/auth/dev-login", {}, status=400, expect_errors=True)
    assert response.json["details"]["email"] == ["This field is required"]
