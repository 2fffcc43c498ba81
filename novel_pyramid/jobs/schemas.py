"""Request pieces shared by v1 and v2 job submission: the uploaded file.

Its size is checked before the body is read by ``novel_pyramid.security.body_size``.
"""

import colander


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
