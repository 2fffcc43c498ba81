"""Request pieces shared by v1 and v2 job submission: the uploaded file and the processing options.

The file's size is checked before the body is read by ``novel_pyramid.security.body_size``.
"""

import colander

from novel_pyramid.accounts.models import MAX_SENTENCE_LENGTH_LIMIT, MIN_SENTENCE_LENGTH_LIMIT
from novel_pyramid.schema.types import QueryInt


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


class FormBoolean(colander.SchemaType):
    """A form field's ``true`` or ``false``, as the frontend's FormData writes a boolean, and nothing else.

    Colander's Boolean reads any other text as true; a typo must not silently turn an option on.
    """

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return cstruct
        if cstruct in ("true", "false"):
            return cstruct == "true"
        raise colander.Invalid(node, 'Must be "true" or "false"')

    def serialize(self, node, appstruct):
        return colander.null if appstruct is colander.null else str(bool(appstruct)).lower()

    def json_schema(self, node):
        return {"type": "string", "enum": ["true", "false"]}


# The processing options a job is started with: form fields, each optional.
# Left out, an option keeps what the job was confirmed with, else its default
# (``pipeline.options.ProcessingOptions``); see ``IJobService.start``.
OPTION_NAMES = ("ignore_dialogue", "preserve_formatting", "fix_hyphenation", "min_sentence_length")
MAX_MIN_SENTENCE_LENGTH = 100


class ProcessingOptionsForm(colander.MappingSchema):
    """The options of ``pipeline.options.ProcessingOptions`` as multipart form fields."""

    ignore_dialogue = colander.SchemaNode(
        FormBoolean(),
        missing=colander.drop,
        description="true: sentences of dialogue are kept as written, never sent to the model (default false).",
    )
    preserve_formatting = colander.SchemaNode(
        FormBoolean(),
        missing=colander.drop,
        description="false: the output is written in plain typography (default true).",
    )
    fix_hyphenation = colander.SchemaNode(
        FormBoolean(),
        missing=colander.drop,
        description="false: words cut by a hyphen at a line end stay as printed (default true).",
    )
    min_sentence_length = colander.SchemaNode(
        QueryInt(),
        validator=colander.Range(1, MAX_MIN_SENTENCE_LENGTH),
        missing=colander.drop,
        description="Shortest piece kept, in words; shorter ones join a neighbour (1: no minimum; default 2). "
        "At most the sentence length limit.",
    )


def sentence_length_limit_node(**kwargs):
    return colander.SchemaNode(
        QueryInt(),
        validator=colander.Range(MIN_SENTENCE_LENGTH_LIMIT, MAX_SENTENCE_LENGTH_LIMIT),
        missing=colander.drop,
        **kwargs,
    )


def options_of(form):
    """The options a validated form gave (``gemini_model`` and the processing options), by name; left out: absent."""
    return {name: form[name] for name in ("gemini_model", *OPTION_NAMES) if name in form}
