"""``GET /metrics`` on the public port, only when ``metrics.on_public_port`` says so (one process, no proxy)."""

from pyramid.response import Response

from novel_pyramid.metrics.exposition import render


def metrics_view(request):
    body, content_type = render(request.registry)
    response = Response(body=body)
    # Set whole: WebOb would add a charset to the exposition's own content type.
    response.headers["Content-Type"] = content_type
    return response
