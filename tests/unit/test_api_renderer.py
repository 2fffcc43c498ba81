"""The API's JSON renderer: JSON unless the client asks for text/plain, as Cornice's own."""

import json

import pytest
from cornice.errors import Errors
from hypothesis import given
from hypothesis import strategies as st
from pyramid.registry import Registry
from pyramid.request import Request

from novel_pyramid.api.renderer import ApiJsonRenderer


def render(value=None, accept=None, status=200, **options):
    request = Request.blank("/", headers={"Accept": accept} if accept else {})
    request.registry = Registry()
    request.response.status_code = status
    body = ApiJsonRenderer(**options)(None)({"limit": 8} if value is None else value, {"request": request})
    return request.response, body


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json, */*;q=0.8"])
def test_json_is_answered_without_negotiation(accept):
    response, body = render(accept=accept)
    assert response.content_type == "application/json"
    assert json.loads(body) == {"limit": 8}


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("text/plain", "text/plain"),
        ("text/plain;q=0.5, application/json", "application/json"),
        ("text/plain;q=0", "application/json"),
        ("text/html, text/plain;q=0.1", "text/plain"),
    ],
)
def test_a_client_naming_text_plain_is_negotiated_as_by_cornice(accept, content_type):
    response, body = render(accept=accept)
    assert response.content_type == content_type
    assert json.loads(body) == {"limit": 8}


@pytest.mark.parametrize(
    "accept",
    [
        "",
        "*/*",
        "text/*",
        "text/html",
        "text/plain",
        "TEXT/PLAIN",
        "application/json, text/plain, */*",
        "text/plain, application/json",
        "text/plain, application/*",
        "text/plain, application/jsonx",
        "text/plain,application/json",
        "text/plain;q=0.9, application/json;q=0.8",
        "application/json;q=0, text/plain",
        "*/*, application/json;q=0",
        "text/*, application/xml",
        "text/plain;q=0",
        "application/xml;q=0.5",
        "garbage",
        "text/plain, */*;q=0.1",
    ],
)
def test_the_content_type_is_the_one_content_negotiation_finds(accept):
    request = Request.blank("/", headers={"Accept": accept})
    offers = request.accept.acceptable_offers(offers=["application/json", "text/plain"])
    response, _ = render(accept=accept)
    assert response.content_type == (offers[0][0] if offers else "application/json")


MEDIA_RANGE = st.tuples(
    st.sampled_from(["application/json", "APPLICATION/JSON", "application/*", "text/plain", "text/*", "*/*", "x/y"]),
    st.sampled_from(["", ";q=0", ";q=0.5", ";q=1", "; q=0.2", ";level=1"]),
).map("".join)


@given(st.lists(MEDIA_RANGE, max_size=4), st.sampled_from([",", ", ", " , "]))
def test_any_accept_header_gets_what_content_negotiation_finds(ranges, separator):
    test_the_content_type_is_the_one_content_negotiation_finds(separator.join(ranges))


def test_no_content_has_no_body():
    response, body = render(status=204)
    assert body == ""
    assert response.content_type is None


class Point:
    def __json__(self, request):
        return {"x": 1, "path": request.path}


def test_objects_with_json_and_bytes_are_serialised():
    _, body = render({"point": Point(), "raw": "é".encode()})
    assert json.loads(body) == {"point": {"x": 1, "path": "/"}, "raw": "é"}


def test_other_objects_are_refused():
    with pytest.raises(TypeError, match="not JSON serializable"):
        render({"value": object()})


def test_serializer_options_reach_json_dumps():
    _, body = render({"b": 1, "a": 2}, sort_keys=True, separators=(",", ":"))
    assert body == '{"a":2,"b":1}'


def test_errors_of_a_service_without_an_error_handler_have_the_one_error_body():
    request = Request.blank("/")
    request.errors = Errors()
    request.errors.add("body", "limit", "Must be at most 50")
    response = ApiJsonRenderer().render_errors(request)
    assert response.status_code == 400
    assert response.json["code"] == "invalid_input"
    assert response.json["details"] == {"limit": ["Must be at most 50"]}
