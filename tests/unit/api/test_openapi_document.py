"""The document builder on a small Cornice application of its own (no database, no HTTP)."""

import colander
import pytest
from cornice import Service
from cornice.validators import colander_validator
from openapi_spec_validator import validate
from pyramid.config import Configurator

from novel_pyramid.api.openapi.document import build_document, cached_document
from novel_pyramid.api.openapi.operations import openapi_path, operation_id
from novel_pyramid.api.openapi.responses import ERROR, Response
from novel_pyramid.schema.types import HeadersMapping, QueryInt, StrictMapping, string_node


class Upload(colander.SchemaType):
    def json_schema(self, node):
        return {"type": "string", "format": "binary"}


class ItemPath(colander.MappingSchema):
    item_id = colander.SchemaNode(QueryInt(), validator=colander.Range(1, 99))


class ItemQuery(StrictMapping):
    verbose = string_node(missing=colander.drop, validator=colander.OneOf(["yes"]))


class ItemHeaders(HeadersMapping):
    Prefer = string_node(missing=colander.drop, description="respond-async")
    Authorization = string_node(missing=colander.drop)


class ItemRequest(colander.MappingSchema):
    path = ItemPath()
    querystring = ItemQuery(missing={})
    header = ItemHeaders(missing={})


class RenameBody(StrictMapping):
    name = string_node(max_length=10)


class RenameRequest(colander.MappingSchema):
    path = ItemPath()
    body = RenameBody()


class OptionalBody(StrictMapping):
    note = string_node(missing=colander.drop)


class OptionalBodyRequest(colander.MappingSchema):
    body = OptionalBody(missing={})


class UploadForm(colander.MappingSchema):
    pdf_file = colander.SchemaNode(Upload())


class UploadRequest(colander.MappingSchema):
    body = UploadForm()


class ItemBody(StrictMapping):
    id = colander.SchemaNode(colander.Int())


item = Service(name="test.item", path="/items/{item_id:\\d+}")
upload = Service(name="test.upload", path="/uploads")
notes = Service(name="test.notes", path="/notes")
elsewhere = Service(name="test.elsewhere", path="/elsewhere")


@item.get(permission="authenticated", schema=ItemRequest(), validators=(colander_validator,))
def read_item(request):
    """Read one item.

    More text that is not part of the summary.
    """


@item.patch(permission="authenticated", schema=RenameRequest(), validators=(colander_validator,))
def rename_item(request):
    pass


@upload.post(schema=UploadRequest(), validators=(colander_validator,))
def upload_file(request):
    pass


@notes.post(schema=OptionalBodyRequest(), validators=(colander_validator,))
def add_note(request):
    pass


@notes.get(rate_limit="exempt")
def list_notes(request):
    pass


@elsewhere.get()
def other_version(request):
    pass


def _api(config):
    config.include("novel_pyramid.api.openapi")
    config.add_openapi_document()
    config.add_openapi_responses(
        {
            ("test.item", "GET"): {200: ItemBody(), 409: ERROR},
            ("test.upload", "post"): {
                202: Response(None, "Accepted", headers={"Location": "The job"}),
                413: ERROR,
            },
        }
    )
    for service in (item, upload, notes):
        config.add_cornice_service(service)


def _other_api(config):
    config.add_cornice_service(elsewhere)


def accept_rate_limit_option(view, info):
    """Stands in for novel_pyramid.ratelimit's deriver: only the option matters here."""
    return view


accept_rate_limit_option.options = ("rate_limit",)


@pytest.fixture(scope="module")
def registry():
    config = Configurator(settings={})
    config.include("cornice")
    config.add_view_deriver(accept_rate_limit_option)
    config.include(_api, route_prefix="/api/v9")
    config.include(_other_api, route_prefix="/api/v8")
    config.commit()
    return config.registry


@pytest.fixture(scope="module")
def document(registry):
    return build_document(registry, "/api/v9")


def test_document_is_valid_openapi(document):
    validate(document)
    assert document["openapi"].startswith("3.0")
    assert document["servers"] == [{"url": "/api/v9"}]


def test_only_services_under_the_prefix_are_documented(document):
    assert sorted(document["paths"]) == ["/items/{item_id}", "/notes", "/uploads"]


def test_head_and_options_are_not_operations(document):
    assert sorted(document["paths"]["/items/{item_id}"]) == ["get", "patch"]


def test_parameters_from_path_query_and_header(document):
    operation = document["paths"]["/items/{item_id}"]["get"]
    by_name = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert by_name["item_id"] == {
        "name": "item_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": 99},
    }
    assert by_name["verbose"]["in"] == "query"
    assert by_name["verbose"]["required"] is False
    assert by_name["verbose"]["schema"]["anyOf"][0]["enum"] == ["yes"]
    assert by_name["Prefer"]["in"] == "header"
    assert by_name["Prefer"]["description"] == "respond-async"
    # OpenAPI describes Authorization through security, not as a parameter.
    assert "Authorization" not in by_name


def test_summary_operation_id_tags_and_security(document):
    operation = document["paths"]["/items/{item_id}"]["get"]
    assert operation["summary"] == "Read one item."
    assert operation["operationId"] == "test_item_get"
    assert operation["tags"] == ["items"]
    assert operation["security"] == [{"bearerAuth": []}]
    assert document["paths"]["/items/{item_id}"]["patch"]["summary"] == "Rename item"
    assert "security" not in document["paths"]["/notes"]["post"]


def test_standard_and_declared_responses(document):
    read = document["paths"]["/items/{item_id}"]["get"]["responses"]
    assert sorted(read) == ["200", "400", "401", "404", "409", "429"]
    assert read["200"]["content"]["application/json"]["schema"]["properties"]["id"] == {"type": "integer"}
    assert read["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert read["409"]["description"] == "Conflict"

    assert sorted(read["429"]["headers"]) == [
        "Retry-After",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
    ]

    listing = document["paths"]["/notes"]["get"]["responses"]
    # No schema: nothing to validate, so no 400; exempt from rate limits: no 429;
    # no declaration: any 200 body.
    assert sorted(listing) == ["200"]
    assert listing["200"]["content"]["application/json"]["schema"] == {}


def test_response_without_body_and_with_headers(document):
    accepted = document["paths"]["/uploads"]["post"]["responses"]["202"]
    assert accepted == {
        "description": "Accepted",
        "headers": {"Location": {"description": "The job", "schema": {"type": "string"}}},
    }


def test_json_body_required_when_empty_object_is_refused(document):
    rename = document["paths"]["/items/{item_id}"]["patch"]["requestBody"]
    assert rename["required"] is True
    assert rename["content"]["application/json"]["schema"]["required"] == ["name"]
    assert document["paths"]["/notes"]["post"]["requestBody"]["required"] is False


def test_binary_field_makes_a_multipart_body(document):
    body = document["paths"]["/uploads"]["post"]["requestBody"]
    assert list(body["content"]) == ["multipart/form-data"]
    schema = body["content"]["multipart/form-data"]["schema"]
    assert schema["properties"]["pdf_file"] == {"type": "string", "format": "binary"}


def test_error_schema_is_shared(document):
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "code"]
    assert error["properties"]["details"]["additionalProperties"] == {"type": "array", "items": {"type": "string"}}


def test_document_is_built_once_per_registry(registry):
    first = cached_document(registry, "/api/v9")
    assert cached_document(registry, "/api/v9") is first
    assert cached_document(registry, "/api/v8") is not first
    assert list(cached_document(registry, "/api/v8")["paths"]) == ["/elsewhere"]


@pytest.mark.parametrize(
    ("pattern", "template", "names"),
    [
        ("/history/{id}", "/history/{id}", ["id"]),
        ("/items/{id:\\d+}", "/items/{id}", ["id"]),
        ("/a/{x:\\d{1,3}}/b/{y}", "/a/{x}/b/{y}", ["x", "y"]),
        ("/plain", "/plain", []),
    ],
)
def test_openapi_path(pattern, template, names):
    assert openapi_path(pattern) == (template, names)


def test_operation_id_is_an_identifier():
    assert operation_id("v1.auth.dev_login", "POST") == "v1_auth_dev_login_post"
