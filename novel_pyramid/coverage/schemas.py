"""Colander schemas of every coverage request: body, query string and path (docs/api.md, "Coverage runs")."""

import colander

from novel_pyramid.coverage.models import RunMode, SourceType
from novel_pyramid.exporters.sheet_reading import SHEET_REFERENCE_PATTERN
from novel_pyramid.schema.types import EmptyQuery, QueryInt, StrictInt, StrictMapping, StrictString, string_node

MAX_ID = 2**31 - 1
SOURCE_ID_MAX_LENGTH = 64
# A batch is a handful of books: more would be one run the size of a library.
BATCH_MIN_SOURCES = 2
BATCH_MAX_SOURCES = 20
MAX_SENTENCE_WORDS = 200
MAX_TARGET_COUNT = 100_000
RUN_MAX_BODY_BYTES = 16 * 1024
ASSIGNMENTS_DEFAULT_PER_PAGE = 50
ASSIGNMENTS_MAX_PER_PAGE = 500
RUNS_DEFAULT_LIMIT = 20
RUNS_MAX_LIMIT = 100
SHEET_NAME_MAX_LENGTH = 255
# A spreadsheet address with its tab and range fragments stays well within this.
SHEET_URL_MAX_LENGTH = 2048
FOLDER_ID_MAX_LENGTH = 255

# What a run does without a config: the sentences the old tool called short enough to learn from.
COVERAGE_DEFAULTS = {"len_min": 3, "len_max": 8, "target_count": 0}
# Filter mode without min_in_list_ratio asks each length for its own share (``algorithms.MIN_SHARE_BY_LENGTH``).
FILTER_DEFAULTS = {"len_min": 3, "len_max": 8, "target_count": 500}


class SourceIdType(colander.SchemaType):
    """A job's id (text) or a history entry's id (a positive integer); kept as sent, checked with the source type."""

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return cstruct
        if isinstance(cstruct, bool) or not isinstance(cstruct, (int, str)):
            raise colander.Invalid(node, "Must be a job id (text) or a history entry id (a number)")
        if isinstance(cstruct, int):
            if not 1 <= cstruct <= MAX_ID:
                raise colander.Invalid(node, f"Must be between 1 and {MAX_ID}")
            return cstruct
        text = cstruct.strip()
        if not text or len(text) > SOURCE_ID_MAX_LENGTH:
            raise colander.Invalid(node, f"Must have between 1 and {SOURCE_ID_MAX_LENGTH} characters")
        return text

    def json_schema(self, node):
        """For the OpenAPI document (novel_pyramid.api.openapi.converter)."""
        return {"anyOf": [ENTRY_ID_SCHEMA, JOB_ID_SCHEMA]}


ENTRY_ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
JOB_ID_SCHEMA = {"type": "string", "minLength": 1, "maxLength": SOURCE_ID_MAX_LENGTH}


def _sources_schema(mode_names, source_type, entry_ids):
    """One allowed shape of the run body: which modes, which source type, which field names the sources."""
    batch = mode_names == [RunMode.BATCH.value]
    named, other = ("source_ids", "source_id") if batch else ("source_id", "source_ids")
    properties = {"mode": {"enum": mode_names}, "source_type": {"enum": [source_type]}}
    if entry_ids:
        properties[named] = {"type": "array", "items": ENTRY_ID_SCHEMA} if batch else ENTRY_ID_SCHEMA
    return {"properties": properties, "required": [named], "not": {"required": [other]}}


class StrictNumber(colander.Float):
    """A JSON number (an integer or a float), never a string or a boolean."""

    def deserialize(self, node, cstruct):
        if cstruct is colander.null:
            return cstruct
        if isinstance(cstruct, bool) or not isinstance(cstruct, (int, float)):
            raise colander.Invalid(node, "Must be a number")
        return float(cstruct)


def _words(description):
    return colander.SchemaNode(
        StrictInt(), validator=colander.Range(1, MAX_SENTENCE_WORDS), missing=colander.drop, description=description
    )


def _weight():
    return colander.SchemaNode(
        StrictNumber(),
        validator=colander.Range(0, 1),
        missing=colander.drop,
        description="Accepted for the frontend's sake and kept; the cover does not weigh scores.",
    )


class RunConfig(StrictMapping):
    len_min = _words("Shortest sentence (in words) a run may pick; default 3")
    len_max = _words("Longest sentence (in words) a run may pick; default 8")
    target_count = colander.SchemaNode(
        StrictInt(),
        validator=colander.Range(0, MAX_TARGET_COUNT),
        missing=colander.drop,
        description="Most sentences in the learning set (coverage: 0, the default, for no limit; filter: 500)",
    )
    min_in_list_ratio = colander.SchemaNode(
        StrictNumber(),
        validator=colander.Range(0, 1),
        missing=colander.drop,
        description="Filter mode: the least share of a sentence's words that must be listed; "
        "default: one per length, from 0.99 for 3 words to 0.65 for 8",
    )
    alpha = _weight()
    beta = _weight()
    gamma = _weight()


class SourceIds(colander.SequenceSchema):
    source_id = colander.SchemaNode(SourceIdType())


def _unique(node, values):
    if len(set(values)) != len(values):
        raise colander.Invalid(node, "Must not name a source twice")


class RunBody(StrictMapping):
    mode = colander.SchemaNode(
        StrictString(),
        validator=colander.OneOf([mode.value for mode in RunMode], msg_err="Must be coverage, filter or batch"),
    )
    source_type = colander.SchemaNode(
        StrictString(),
        validator=colander.OneOf([kind.value for kind in SourceType], msg_err="Must be job or history"),
    )
    source_id = colander.SchemaNode(
        SourceIdType(), missing=colander.drop, description="coverage and filter: the job or history entry read"
    )
    source_ids = SourceIds(
        validator=colander.All(colander.Length(BATCH_MIN_SOURCES, BATCH_MAX_SOURCES), _unique),
        json_schema_extra={"uniqueItems": True},
        missing=colander.drop,
        description=f"batch: {BATCH_MIN_SOURCES} to {BATCH_MAX_SOURCES} sources read as one corpus, in this order",
    )
    wordlist_id = colander.SchemaNode(
        StrictInt(),
        validator=colander.Range(1, MAX_ID),
        missing=colander.drop,
        description="Default: the user's default list, else the global default list",
    )
    config = RunConfig(missing={})

    # Said in the OpenAPI document as well as checked below: which field names the sources, and their type.
    json_schema_extra = {
        "anyOf": [
            _sources_schema(["coverage", "filter"], "job", entry_ids=False),
            _sources_schema(["coverage", "filter"], "history", entry_ids=True),
            _sources_schema(["batch"], "job", entry_ids=False),
            _sources_schema(["batch"], "history", entry_ids=True),
        ]
    }

    def validator(self, node, body):
        error = colander.Invalid(node)
        if body["mode"] == RunMode.BATCH:
            if "source_ids" not in body:
                error.add(colander.Invalid(node["source_ids"], "Required in batch mode: the sources to read"))
            if "source_id" in body:
                error.add(colander.Invalid(node["source_id"], "Batch mode reads source_ids, not source_id"))
        else:
            if "source_id" not in body:
                error.add(colander.Invalid(node["source_id"], "Required: the job or history entry to read"))
            if "source_ids" in body:
                error.add(colander.Invalid(node["source_ids"], "Only batch mode reads several sources"))
        if body["source_type"] == SourceType.HISTORY:
            for name in ("source_id", "source_ids"):
                values = body.get(name, [])
                values = values if isinstance(values, list) else [values]
                if any(not isinstance(value, int) for value in values):
                    error.add(colander.Invalid(node[name], "A history entry's id is a number"))
        if error.children:
            raise error


class RunRequest(colander.MappingSchema):
    body = RunBody()
    querystring = EmptyQuery(missing={})


class RunPath(colander.MappingSchema):
    id = colander.SchemaNode(QueryInt(), validator=colander.Range(1, MAX_ID))


class RunItemQuery(StrictMapping):
    page = colander.SchemaNode(QueryInt(), validator=colander.Range(1, MAX_ID), missing=1)
    per_page = colander.SchemaNode(
        QueryInt(), validator=colander.Range(1, ASSIGNMENTS_MAX_PER_PAGE), missing=ASSIGNMENTS_DEFAULT_PER_PAGE
    )


class RunItemRequest(colander.MappingSchema):
    path = RunPath()
    querystring = RunItemQuery(missing={})


class RunOnlyRequest(colander.MappingSchema):
    path = RunPath()
    querystring = EmptyQuery(missing={})


class SwapBody(StrictMapping):
    word_key = string_node(max_length=255, description="The listed word whose sentence changes")
    new_sentence_index = colander.SchemaNode(
        StrictInt(),
        validator=colander.Range(0, MAX_ID),
        description="The corpus sentence (its sentence_index) to assign instead; it must contain the word",
    )


class SwapRequest(RunOnlyRequest):
    body = SwapBody()


class ExportBody(StrictMapping):
    sheet_name = string_node(max_length=SHEET_NAME_MAX_LENGTH, description="The new spreadsheet's title")
    folder_id = string_node(
        max_length=FOLDER_ID_MAX_LENGTH, missing=colander.drop, description="Google Drive folder to put it in"
    )


class ExportRequest(RunOnlyRequest):
    body = ExportBody()


class SheetImportBody(StrictMapping):
    sheet_url = string_node(
        max_length=SHEET_URL_MAX_LENGTH,
        description="A Google Sheets address or spreadsheet id; its first tab is read with your Google grant",
        # Checked where the id is read (exporters.sheet_reading), so the message names the address's form.
        json_schema_extra={"pattern": SHEET_REFERENCE_PATTERN},
    )


class SheetImportRequest(colander.MappingSchema):
    body = SheetImportBody()
    querystring = EmptyQuery(missing={})


class CostQuery(StrictMapping):
    mode = colander.SchemaNode(
        StrictString(),
        validator=colander.OneOf([mode.value for mode in RunMode], msg_err="Must be coverage, filter or batch"),
        missing=RunMode.COVERAGE.value,
    )
    sources = colander.SchemaNode(
        QueryInt(), validator=colander.Range(1, BATCH_MAX_SOURCES), missing=1, description="Batch: how many sources"
    )


class CostRequest(colander.MappingSchema):
    querystring = CostQuery(missing={})


class RunsQuery(StrictMapping):
    limit = colander.SchemaNode(QueryInt(), validator=colander.Range(1, RUNS_MAX_LIMIT), missing=RUNS_DEFAULT_LIMIT)
    cursor = colander.SchemaNode(
        QueryInt(), validator=colander.Range(1, MAX_ID), missing=colander.drop, description="next_cursor of a page"
    )


class RunsRequest(colander.MappingSchema):
    querystring = RunsQuery(missing={})


class AssignmentsQuery(StrictMapping):
    cursor = colander.SchemaNode(
        QueryInt(), validator=colander.Range(0, MAX_ID), missing=0, description="next_cursor of a page"
    )
    limit = colander.SchemaNode(
        QueryInt(), validator=colander.Range(1, ASSIGNMENTS_MAX_PER_PAGE), missing=ASSIGNMENTS_DEFAULT_PER_PAGE
    )


class AssignmentsRequest(colander.MappingSchema):
    path = RunPath()
    querystring = AssignmentsQuery(missing={})


def config_with_defaults(mode, config):
    """The run's config as it runs: what the client sent over the mode's defaults."""
    defaults = FILTER_DEFAULTS if mode == RunMode.FILTER else COVERAGE_DEFAULTS
    return {**defaults, **config}
