"""Request pieces shared by v1 and v2 job submission: the uploaded file and the size check."""

import colander

from novel_pyramid.errors import PayloadTooLarge

# Room for the multipart boundaries and the small form fields beside the file.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class UploadedFile(colander.SchemaType):
    """A multipart file field (webob's FieldStorage: ``.file``, ``.filename``).

    A plain text field, an empty file input or a repeated field is refused.
    """

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return cstruct
        if not (hasattr(cstruct, "file") and hasattr(cstruct, "filename")):
            raise colander.Invalid(node, "Must be a file sent as multipart/form-data")
        return cstruct

    def serialize(self, node, appstruct):
        return appstruct

    def json_schema(self, node):
        # How novel_pyramid.api.openapi documents it: a file part of a multipart/form-data body.
        return {"type": "string", "format": "binary"}


def uploaded_pdf_node(**kwargs):
    return colander.SchemaNode(
        UploadedFile(),
        description="The PDF file; checked by its content, not its name or media type.",
        **kwargs,
    )


def reject_oversized_upload(request, **kwargs):
    """Cornice validator, placed before the schema's: answer 413 from Content-Length before the body is read."""
    max_size = request.registry.settings["max_file_size"]
    if request.content_length is not None and request.content_length > max_size + MULTIPART_OVERHEAD_BYTES:
        raise PayloadTooLarge(f"The file is larger than the limit of {max_size} bytes.")


def retry_attempts_for(request):
    """pyramid_retry's ``retry.activate_hook``: a single attempt for uploads.

    To retry a request pyramid_retry first copies its whole body, which would
    read a 50 MB upload before ``reject_oversized_upload`` could refuse it.
    Uploads write through transactions of their own (``jobs.transactions``),
    so the request's transaction has nothing to retry anyway.
    """
    if request.content_type == "multipart/form-data":
        return 1
    return None
