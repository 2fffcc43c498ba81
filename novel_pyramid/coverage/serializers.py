"""How runs, assignments, learning sets and diagnoses look on the wire (docs/api.md, "Coverage runs").

Source ids are stored as text (a job's id is a UUID); a history entry's id goes
out as the number the frontend knows it by.
"""

import math

from novel_pyramid.coverage.building import (
    CATEGORIES,
    IN_VALID_BUT_MISSED,
    NOT_IN_CORPUS,
    ONLY_IN_LONG,
    ONLY_IN_SHORT,
)
from novel_pyramid.coverage.models import RunMode, SourceType
from novel_pyramid.db.types import isoformat

SAMPLE_WORDS = 30


def wire_source_id(source_type, value):
    if value is None:
        return None
    if source_type == SourceType.HISTORY and str(value).isdecimal():
        return int(value)
    return value


def learning_set_of(run):
    return [
        {**entry, "source_id": wire_source_id(run.source_type, entry.get("source_id"))}
        for entry in run.learning_set or ()
    ]


def v1_run_json(run):
    """The frontend's ``CoverageRun``."""
    return {
        "id": run.id,
        "user_id": run.user_id,
        "mode": run.mode,
        "source_type": run.source_type,
        "source_id": wire_source_id(run.source_type, run.source_id),
        "source_ids": [wire_source_id(run.source_type, value) for value in run.source_ids],
        "wordlist_id": run.wordlist_id,
        "status": run.status,
        "current_step": run.step,
        "progress_percent": run.progress_percent,
        "config_json": run.config,
        "stats_json": run.stats,
        "learning_set_json": learning_set_of(run) if run.learning_set is not None else None,
        "credits_charged": run.credits_charged,
        "created_at": isoformat(run.created_at),
        "started_at": isoformat(run.started_at),
        "completed_at": isoformat(run.completed_at),
        "error_message": run.error_message,
        "celery_task_id": run.celery_task_id,
    }


def assignment_json(assignment, source_type):
    """The frontend's ``CoverageAssignment``."""
    return {
        "id": assignment.id,
        "run_id": assignment.run_id,
        "coverage_run_id": assignment.run_id,
        "word_key": assignment.word_key,
        "word_original": assignment.word_original,
        "lemma": assignment.lemma,
        "matched_surface": assignment.matched_surface,
        "surface_form": assignment.matched_surface or assignment.word_original or assignment.word_key,
        "sentence_index": assignment.sentence_index,
        "sentence_text": assignment.sentence_text,
        "sentence_score": assignment.sentence_score,
        "manual_edit": assignment.manual_edit,
        "notes": assignment.notes,
        "source_id": wire_source_id(source_type, assignment.source_id),
    }


def pagination_json(page, per_page, total):
    return {"page": page, "per_page": per_page, "total": total, "pages": math.ceil(total / per_page)}


def _descriptions(config):
    len_min, len_max = config.get("len_min"), config.get("len_max")
    return {
        NOT_IN_CORPUS: "Words that appear in no sentence of the sources",
        ONLY_IN_LONG: f"Words found only in sentences longer than {len_max} words (or in those and very short ones)",
        ONLY_IN_SHORT: f"Words found only in sentences shorter than {len_min} words",
        IN_VALID_BUT_MISSED: f"Words found in sentences of {len_min} to {len_max} words that the run did not keep",
    }


def _recommendation(counts, missed, mode):
    if not missed:
        return "Every listed word the run looked for is covered."
    advice = []
    share = {category: counts[category] / missed for category in CATEGORIES}
    if share[NOT_IN_CORPUS] >= 0.5:
        advice.append(
            f"{counts[NOT_IN_CORPUS]} of the {missed} missing words are in none of your sources: "
            "add more books (a batch run reads several as one)."
        )
    if share[ONLY_IN_LONG] >= 0.2:
        advice.append(f"{counts[ONLY_IN_LONG]} appear only in longer sentences: raise len_max for the next run.")
    if share[ONLY_IN_SHORT] >= 0.2:
        advice.append(f"{counts[ONLY_IN_SHORT]} appear only in very short sentences: lower len_min.")
    if share[IN_VALID_BUT_MISSED] >= 0.2:
        if mode == RunMode.FILTER:
            reason = "too few of those sentences' words are listed: lower min_in_list_ratio"
        else:
            reason = "the sentence limit (target_count) left those sentences out: raise it"
        advice.append(f"{counts[IN_VALID_BUT_MISSED]} are in sentences of the right length, but {reason}.")
    if not advice:
        advice.append("The missing words are spread over several causes; more source material helps most.")
    return " ".join(advice)


def diagnosis_json(run):
    """The frontend's ``CoverageDiagnosis``."""
    total = len(run.word_keys)
    uncovered = run.uncovered or {}
    by_category = {
        category: sorted(key for key, found in uncovered.items() if found == category) for category in CATEGORIES
    }
    counts = {category: len(keys) for category, keys in by_category.items()}
    missed = len(uncovered)
    descriptions = _descriptions(run.config)
    return {
        "total_words": total,
        "covered_words": total - missed,
        "uncovered_words": missed,
        "coverage_percentage": round(100 * (total - missed) / total, 2) if total else 0.0,
        "categories": {
            category: {
                "count": counts[category],
                "sample_words": by_category[category][:SAMPLE_WORDS],
                "description": descriptions[category],
            }
            for category in CATEGORIES
        },
        "recommendation": _recommendation(counts, missed, run.mode),
    }


def csv_rows(run):
    """The learning set as CSV rows, the header first."""
    if run.mode == RunMode.FILTER:
        yield ["Rank", "Sentence", "Score", "Index"]
        for entry in run.learning_set or ():
            yield [entry["rank"], entry["sentence"], entry.get("score"), entry["sentence_index"]]
        return
    yield ["Rank", "Sentence", "New words", "Index"]
    for entry in run.learning_set or ():
        yield [entry["rank"], entry["sentence"], " ".join(entry.get("new_words_covered", ())), entry["sentence_index"]]


def v2_run_json(run, links):
    """The v2 run resource; ``links`` are the view's, which knows its routes."""
    return {
        "id": run.id,
        "mode": run.mode,
        "source_type": run.source_type,
        "source_ids": [wire_source_id(run.source_type, value) for value in run.source_ids],
        "wordlist_id": run.wordlist_id,
        "status": run.status,
        "step": run.step,
        "progress": {"percent": run.progress_percent},
        "config": run.config,
        "stats": run.stats,
        "learning_set": learning_set_of(run) if run.learning_set is not None else None,
        "credits_charged": run.credits_charged,
        "error": run.error_message,
        "created_at": isoformat(run.created_at),
        "started_at": isoformat(run.started_at),
        "completed_at": isoformat(run.completed_at),
        "links": links,
    }
