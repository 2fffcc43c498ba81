"""v1 coverage runs of the current frontend (docs/api.md, "Coverage runs").

``GET  /coverage/cost``                 ``?mode=&sources=``: ``{cost, currency}``, what a run is charged
``POST /coverage/run``                  ``{mode, source_type, source_id | source_ids, wordlist_id?, config?}``:
                                        ``{coverage_run, task_id, credits_charged}`` (201)
``GET  /coverage/runs/{id}``            ``?page=&per_page=``: ``{coverage_run, assignments, pagination, learning_set}``
``POST /coverage/runs/{id}/swap``       ``{word_key, new_sentence_index}``: the changed assignment
``POST /coverage/runs/{id}/export``     ``{sheet_name, folder_id?}``: a new spreadsheet of the learning set
``GET  /coverage/runs/{id}/download``   the learning set as CSV
``GET  /coverage/runs/{id}/diagnosis``  why each uncovered word was missed, with a recommendation
``POST /coverage/import-from-sheets``   ``{sheet_url}``: ``{history_id, sentence_count, filename}`` (201), a
                                        history entry holding the first tab's sentences, a source for runs

Another user's run, job, history entry or word list is 404 everywhere; a bad
request writes nothing and charges nothing.
"""

import csv
import io

import colander
from cornice.validators import colander_validator

from novel_pyramid.api import api_service
from novel_pyramid.api.openapi.responses import (
    ERROR,
    OpenMapping,
    Response,
    integer_field,
    nullable_integer_field,
    nullable_text_field,
    nullable_timestamp_field,
    text_field,
    timestamp_field,
)
from novel_pyramid.api.validators import querystring_validator
from novel_pyramid.auth import AUTHENTICATED
from novel_pyramid.coverage import schemas
from novel_pyramid.coverage.interfaces import ICoverageService
from novel_pyramid.coverage.models import RunMode, RunStatus, SourceType
from novel_pyramid.coverage.serializers import (
    assignment_json,
    csv_rows,
    diagnosis_json,
    learning_set_of,
    pagination_json,
    v1_run_json,
)
from novel_pyramid.ratelimit.rates import SHEETS_IMPORT_BUCKET
from novel_pyramid.schema.types import StrictMapping

coverage_cost = api_service("v1.coverage.cost", "/coverage/cost")
coverage_run = api_service("v1.coverage.run", "/coverage/run")
coverage_run_item = api_service("v1.coverage.runs.item", "/coverage/runs/{id}")
coverage_swap = api_service("v1.coverage.runs.swap", "/coverage/runs/{id}/swap")
coverage_export = api_service("v1.coverage.runs.export", "/coverage/runs/{id}/export")
coverage_download = api_service("v1.coverage.runs.download", "/coverage/runs/{id}/download")
coverage_diagnosis = api_service("v1.coverage.runs.diagnosis", "/coverage/runs/{id}/diagnosis")
coverage_sheet_import = api_service("v1.coverage.import_from_sheets", "/coverage/import-from-sheets")

SERVICES = (
    coverage_cost,
    coverage_run,
    coverage_run_item,
    coverage_swap,
    coverage_export,
    coverage_download,
    coverage_diagnosis,
    coverage_sheet_import,
)
JSON_BODY_VIEW = {"permission": AUTHENTICATED, "validators": (colander_validator,)}


@coverage_cost.get(permission=AUTHENTICATED, schema=schemas.CostRequest(), validators=(querystring_validator,))
def read_cost(request):
    query = request.validated["querystring"]
    cost = request.find_service(ICoverageService).price(query["mode"], query["sources"])
    return {"cost": cost, "currency": "credits"}


@coverage_run.post(schema=schemas.RunRequest(), max_body_bytes=schemas.RUN_MAX_BODY_BYTES, **JSON_BODY_VIEW)
def start_run(request):
    run = request.find_service(ICoverageService).start(request.identity.user, request.validated["body"])
    request.response.status_code = 201
    return {"coverage_run": v1_run_json(run), "task_id": run.celery_task_id, "credits_charged": run.credits_charged}


@coverage_run_item.get(permission=AUTHENTICATED, schema=schemas.RunItemRequest(), validators=(colander_validator,))
def read_run(request):
    service = request.find_service(ICoverageService)
    run = service.get(request.identity.id, request.validated["path"]["id"])
    query = request.validated["querystring"]
    page, per_page = query["page"], query["per_page"]
    assignments, total = service.assignments(run, offset=(page - 1) * per_page, limit=per_page)
    return {
        "coverage_run": v1_run_json(run),
        "assignments": [assignment_json(item, run.source_type) for item in assignments],
        "pagination": pagination_json(page, per_page, total),
        "learning_set": learning_set_of(run),
    }


@coverage_swap.post(schema=schemas.SwapRequest(), **JSON_BODY_VIEW)
def swap_assignment(request):
    body = request.validated["body"]
    service = request.find_service(ICoverageService)
    run_id = request.validated["path"]["id"]
    assignment = service.swap(request.identity.id, run_id, body["word_key"], body["new_sentence_index"])
    return assignment_json(assignment, service.get(request.identity.id, run_id).source_type)


@coverage_export.post(schema=schemas.ExportRequest(), rate_limit="export", **JSON_BODY_VIEW)
def export_run(request):
    body = request.validated["body"]
    result = request.find_service(ICoverageService).export(
        request.identity.user, request.validated["path"]["id"], body["sheet_name"], body.get("folder_id")
    )
    return {
        "message": "Export successful",
        "spreadsheet_id": result.details.get("spreadsheet_id"),
        "spreadsheet_url": result.url,
    }


def csv_response(request, run):
    """The run's learning set as a CSV attachment (UTF-8)."""
    text = io.StringIO()
    csv.writer(text).writerows(csv_rows(run))
    response = request.response
    response.content_type = "text/csv"
    response.charset = "utf-8"
    response.text = text.getvalue()
    response.content_disposition = f'attachment; filename="coverage_run_{run.id}.csv"'
    return response


@coverage_download.get(permission=AUTHENTICATED, schema=schemas.RunOnlyRequest(), validators=(colander_validator,))
def download_run(request):
    run = request.find_service(ICoverageService).completed(request.identity.id, request.validated["path"]["id"])
    return csv_response(request, run)


@coverage_diagnosis.get(permission=AUTHENTICATED, schema=schemas.RunOnlyRequest(), validators=(colander_validator,))
def diagnose_run(request):
    run = request.find_service(ICoverageService).completed(request.identity.id, request.validated["path"]["id"])
    return diagnosis_json(run)


@coverage_sheet_import.post(schema=schemas.SheetImportRequest(), rate_limit=SHEETS_IMPORT_BUCKET, **JSON_BODY_VIEW)
def import_from_sheets(request):
    sheet_url = request.validated["body"]["sheet_url"]
    entry = request.find_service(ICoverageService).import_from_sheet(request.identity.user, sheet_url)
    request.response.status_code = 201
    return {
        "history_id": entry.id,
        "sentence_count": entry.processed_sentences_count,
        "filename": entry.original_filename,
    }


# -- what they answer (the OpenAPI document) ---------------------------------------------------


def source_id_field(**kwargs):
    kwargs.setdefault("description", "A job's id, or a history entry's id")
    return colander.SchemaNode(schemas.SourceIdType(), **kwargs)


class SourceIdList(colander.SequenceSchema):
    source_id = source_id_field()


class Words(colander.SequenceSchema):
    word = text_field()


class LearningSetEntryBody(OpenMapping):
    rank = integer_field()
    sentence = colander.SchemaNode(colander.String(allow_empty=True))
    sentence_text = colander.SchemaNode(colander.String(allow_empty=True))
    sentence_index = integer_field(description="The sentence's place in the run's corpus")
    token_count = integer_field(description="Words in the sentence")
    new_words_covered = Words(description="The listed words this sentence is assigned")
    new_word_count = integer_field()
    all_matched_words = Words(description="Every listed word in the sentence")
    score = colander.SchemaNode(colander.Float(), nullable=True, description="Share of its words that are listed")
    source_id = source_id_field(nullable=True)


class LearningSetBody(colander.SequenceSchema):
    entry = LearningSetEntryBody()


class CoverageRunBody(OpenMapping):
    id = integer_field()
    user_id = integer_field()
    mode = text_field(validator=colander.OneOf([mode.value for mode in RunMode]))
    source_type = text_field(validator=colander.OneOf([kind.value for kind in SourceType]))
    source_id = source_id_field(nullable=True, description="The first or only source")
    source_ids = SourceIdList(description="Every source, in corpus order")
    wordlist_id = nullable_integer_field()
    status = text_field(validator=colander.OneOf([status.value for status in RunStatus]))
    current_step = text_field(description="queued, reading, keying, covering, writing or finished")
    progress_percent = integer_field(validator=colander.Range(0, 100))
    config_json = OpenMapping(description="The config the run works with, defaults filled in")
    stats_json = OpenMapping(nullable=True, description="words_total, words_covered, coverage_percentage...")
    learning_set_json = LearningSetBody(nullable=True)
    credits_charged = integer_field()
    created_at = timestamp_field()
    started_at = nullable_timestamp_field()
    completed_at = nullable_timestamp_field()
    error_message = nullable_text_field()
    celery_task_id = nullable_text_field()


class StartedRunBody(StrictMapping):
    coverage_run = CoverageRunBody()
    task_id = text_field()
    credits_charged = integer_field()


class AssignmentBody(OpenMapping):
    id = integer_field()
    run_id = integer_field()
    coverage_run_id = integer_field()
    word_key = text_field()
    word_original = nullable_text_field()
    lemma = nullable_text_field()
    matched_surface = nullable_text_field(description="The word as the sentence writes it")
    surface_form = text_field()
    sentence_index = nullable_integer_field()
    sentence_text = colander.SchemaNode(colander.String(allow_empty=True))
    sentence_score = colander.SchemaNode(colander.Float(), nullable=True)
    manual_edit = colander.SchemaNode(colander.Boolean(), description="Swapped by the user")
    notes = nullable_text_field()
    source_id = source_id_field(nullable=True)


class AssignmentsBody(colander.SequenceSchema):
    assignment = AssignmentBody()


class PaginationBody(StrictMapping):
    page = integer_field()
    per_page = integer_field()
    total = integer_field()
    pages = integer_field()


class RunDetailBody(StrictMapping):
    coverage_run = CoverageRunBody()
    assignments = AssignmentsBody()
    pagination = PaginationBody()
    learning_set = LearningSetBody()


class CostBody(StrictMapping):
    cost = integer_field(description="Credits a run is charged (batch: per source)")
    currency = text_field(validator=colander.OneOf(["credits"]))


class ExportedBody(StrictMapping):
    message = text_field()
    spreadsheet_id = nullable_text_field()
    spreadsheet_url = text_field()


class DiagnosisCategoryBody(StrictMapping):
    count = integer_field()
    sample_words = Words(description="Up to 30, alphabetical")
    description = text_field()


class DiagnosisCategories(StrictMapping):
    not_in_corpus = DiagnosisCategoryBody()
    only_in_long_sentences = DiagnosisCategoryBody()
    only_in_short_sentences = DiagnosisCategoryBody()
    in_valid_but_missed = DiagnosisCategoryBody()


class DiagnosisBody(StrictMapping):
    total_words = integer_field()
    covered_words = integer_field()
    uncovered_words = integer_field()
    coverage_percentage = colander.SchemaNode(colander.Float())
    categories = DiagnosisCategories()
    recommendation = text_field()


class ImportedBody(StrictMapping):
    history_id = integer_field(description="The new history entry: a run's source_id with source_type history")
    sentence_count = integer_field()
    filename = text_field(description="The entry's name in the history list")


NOT_COMPLETED = Response(ERROR.schema, "The run has not completed yet")
RESPONSES = {
    ("v1.coverage.cost", "GET"): {200: CostBody()},
    ("v1.coverage.run", "POST"): {
        201: StartedRunBody(),
        402: Response(ERROR.schema, "The balance does not cover the run; nothing was written"),
        404: Response(ERROR.schema, "No such job, history entry or word list of the user; nothing was written"),
        409: Response(ERROR.schema, "A job that has not completed, or a source without sentences; nothing written"),
        503: Response(ERROR.schema, "The task queue is down; nothing was written"),
    },
    ("v1.coverage.runs.item", "GET"): {200: RunDetailBody()},
    ("v1.coverage.runs.swap", "POST"): {200: AssignmentBody(), 409: NOT_COMPLETED},
    ("v1.coverage.runs.export", "POST"): {
        200: ExportedBody(),
        403: Response(ERROR.schema, "No Google grant, or it was revoked: sign in with Google again"),
        409: NOT_COMPLETED,
        502: Response(ERROR.schema, "Google failed after retries"),
    },
    ("v1.coverage.runs.download", "GET"): {
        200: Response(
            {},
            "The learning set as CSV",
            headers={"Content-Disposition": "attachment; filename=..."},
            media_type="text/csv",
        ),
        409: NOT_COMPLETED,
    },
    ("v1.coverage.runs.diagnosis", "GET"): {200: DiagnosisBody(), 409: NOT_COMPLETED},
    ("v1.coverage.import_from_sheets", "POST"): {
        201: ImportedBody(),
        400: Response(
            ERROR.schema,
            "No such sheet the user can open, no sentences, too many or one too long (details.sheet_url); "
            "nothing was written",
        ),
        403: Response(ERROR.schema, "No Google grant, or it was revoked: sign in with Google again"),
        502: Response(ERROR.schema, "Google failed after retries"),
    },
}
