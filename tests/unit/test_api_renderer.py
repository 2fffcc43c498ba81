"""The API's JSON renderer: JSON unless the client asks for text/plain, as Cornice's own."""

import json

import pytest
from pyramid.registry import Registry
from pyramid.request import Request

from novel_pyramid.api.renderer import ApiJsonRenderer


def render(accept=None, status=200):
    request = Request.blank("/", headers={"Accept": accept} if accept else {})
    request.registry = Registry()
    request.response.status_code = status
    body = ApiJsonRenderer()(None)({"limit": 8}, {"request": request})
    return request.response, body


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json, */*;q=0.8"])
def test_json_is_answered_without_negotiation(accept):
    response, body = render(accept)
    assert response.content_type == "application/json"
    assert json.loads(body) == {"limit": 8}


def test_a_client_asking_for_text_plain_is_negotiated_as_by_cornice():
    response, body = render("text/plain")
    assert response.content_type == "text/plain"
    assert json.loads(body) == {"limit": 8}


def test_no_content_has_no_body():
    response, body = render(status=204)
    assert body == ""
    assert response.content_type is None
