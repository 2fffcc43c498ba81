"""``GET <prefix>/openapi.json``: the document of one API version, public and cached."""

from novel_pyramid.api.openapi.document import cached_document


class OpenAPIDocumentView:
    """A view bound to one route prefix, so each API version serves its own document."""

    def __init__(self, prefix):
        self.prefix = prefix

    def __call__(self, request):
        return cached_document(request.registry, self.prefix)
