"""One OpenAPI operation from one Cornice view definition (method, view, arguments).

The request side comes from the view's Colander schema, read location by
location the way Cornice validates it: ``path``, ``querystring``, ``header``
and ``body``. The response side comes from the declarations of
``novel_pyramid.api.openapi.responses`` plus the errors every such view can give.
"""

import inspect
import re

from novel_pyramid.api.openapi.converter import to_json_schema
from novel_pyramid.api.openapi.responses import ERROR, RATE_LIMIT_HEADERS, Response, as_response
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.ratelimit.rates import EXEMPT as RATE_LIMIT_EXEMPT

BEARER_SCHEME = "bearerAuth"
ERROR_SCHEMA_REF = "#/components/schemas/Error"
# The description of the success response of an operation that declared none.
UNDECLARED_SUCCESS = "Success (no schema declared)"

# One level of nested braces covers regex placeholders such as {id:\d{1,9}}.
_PLACEHOLDER = re.compile(r"\{(\w+)(?::(?:[^{}]|\{[^{}]*\})*)?\}")
# OpenAPI ignores header parameters with these names: they have keywords of their own.
_RESERVED_HEADERS = {"accept", "content-type", "authorization"}


def openapi_path(route_pattern):
    """Pyramid's ``/history/{id:\\d+}`` as OpenAPI's ``/history/{id}``, and its parameter names."""
    names = _PLACEHOLDER.findall(route_pattern)
    return _PLACEHOLDER.sub(lambda match: "{" + match.group(1) + "}", route_pattern), names


def operation_id(service_name, method):
    """Stable and usable as an identifier by code generators: ``v1_settings_put``."""
    return re.sub(r"[^A-Za-z0-9]+", "_", f"{service_name}_{method.lower()}").strip("_")


def build_operation(service, method, view, args, path_names, declared, registry=None):
    """The operation object for ``method`` on ``service``; ``declared`` is its response map."""
    request_schema = args.get("schema")
    if inspect.isclass(request_schema):
        request_schema = request_schema()
    locations = {child.name: child for child in request_schema.children} if request_schema else {}

    operation = {
        "operationId": operation_id(service.name, method),
        "summary": _summary(service, view),
        "tags": [_tag(service.path)],
    }
    parameters = _parameters(locations, path_names, registry)
    if parameters:
        operation["parameters"] = parameters
    if "body" in locations:
        operation["requestBody"] = _request_body(locations["body"], args.get("content_type"), registry)
    needs_sign_in = args.get("permission") == AUTHENTICATED
    if needs_sign_in:
        operation["security"] = [{BEARER_SCHEME: []}]
    operation["responses"] = _responses(
        declared,
        validates=request_schema is not None,
        needs_sign_in=needs_sign_in,
        has_path_parameters=bool(path_names),
        # Every view is rate-limited (novel_pyramid.ratelimit) unless it opts out.
        rate_limited=args.get("rate_limit") != RATE_LIMIT_EXEMPT,
    )
    return operation


def _summary(service, view):
    doc = inspect.getdoc(view) or service.description or ""
    if doc:
        return doc.strip().splitlines()[0]
    name = getattr(view, "__name__", None) or str(view)
    return name.replace("_", " ").strip().capitalize()


def _tag(path):
    return next((part for part in path.split("/") if part and "{" not in part), "root")


def _parameters(locations, path_names, registry):
    parameters = []
    path_nodes = {child.name: child for child in _children(locations.get("path"))}
    for name in path_names:
        # A placeholder the schema does not describe still reaches the view, as text.
        schema = to_json_schema(path_nodes[name], registry) if name in path_nodes else {"type": "string"}
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    for node in _children(locations.get("querystring")):
        parameters.append(_parameter(node, "query", registry))
    for node in _children(locations.get("header")):
        if node.name.lower() not in _RESERVED_HEADERS:
            parameters.append(_parameter(node, "header", registry))
    return parameters


def _parameter(node, location, registry):
    schema = to_json_schema(node, registry)
    parameter = {"name": node.name, "in": location, "required": node.required, "schema": schema}
    if "description" in schema:
        parameter["description"] = schema.pop("description")
    return parameter


def _children(node):
    return node.children if node is not None else ()


def _request_body(body_node, content_type, registry):
    schema = to_json_schema(body_node, registry)
    media_types = _body_media_types(schema, content_type)
    # Cornice reads an absent body as {}, so a body is only required when {} is refused.
    refuses_empty = bool(schema.get("required")) or schema.get("minProperties", 0) > 0
    return {
        "required": body_node.required and refuses_empty,
        "content": {media_type: {"schema": schema} for media_type in media_types},
    }


def _body_media_types(schema, content_type):
    if isinstance(content_type, str):
        return [content_type]
    if isinstance(content_type, (list, tuple)) and all(isinstance(c, str) for c in content_type):
        return list(content_type)
    properties = schema.get("properties", {}).values()
    if any(prop.get("format") == "binary" for prop in properties):
        return ["multipart/form-data"]
    return ["application/json"]


def _responses(declared, *, validates, needs_sign_in, has_path_parameters, rate_limited):
    responses = dict(declared)
    if not any(status.startswith("2") for status in responses):
        responses["200"] = as_response(Response({}, UNDECLARED_SUCCESS), 200)
    standard = {"400": validates, "401": needs_sign_in, "404": has_path_parameters}
    for status, applies in standard.items():
        if applies and status not in responses:
            responses[status] = as_response(ERROR, status)
    if rate_limited and "429" not in responses:
        responses["429"] = Response(ERROR.schema, "Rate limit reached", RATE_LIMIT_HEADERS)
    return {status: _response_object(responses[status]) for status in sorted(responses)}


def _response_object(response):
    result = {"description": response.description}
    if response.schema is not None:
        schema = _body_schema(response.schema)
        media_types = response.media_type if isinstance(response.media_type, tuple) else (response.media_type,)
        result["content"] = {media_type: {"schema": schema} for media_type in media_types}
    if response.headers:
        result["headers"] = {
            name: {"description": text, "schema": {"type": "string"}} for name, text in response.headers.items()
        }
    return result


def _body_schema(schema):
    if isinstance(schema, dict):
        return schema
    if schema is ERROR.schema or type(schema) is type(ERROR.schema):
        return {"$ref": ERROR_SCHEMA_REF}
    return to_json_schema(schema)
