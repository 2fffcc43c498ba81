"""Status conditions, computed purely so that reconciling twice patches nothing."""

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

READY = "Ready"
MIGRATED = "Migrated"
PROGRESSING = "Progressing"
DEGRADED = "Degraded"


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def condition(conditions: Sequence[Mapping[str, Any]], kind: str) -> Mapping[str, Any] | None:
    return next((cond for cond in conditions if cond.get("type") == kind), None)


def set_condition(
    conditions: Sequence[Mapping[str, Any]],
    kind: str,
    status: bool,
    reason: str,
    message: str = "",
    *,
    generation: int | None = None,
    now: str | None = None,
) -> list[dict[str, Any]]:
    """Return the conditions with one of them set.

    ``lastTransitionTime`` moves only when the status flips, as the Kubernetes
    API conventions ask; an unchanged condition is returned as it was.
    """
    value = "True" if status else "False"
    old = condition(conditions, kind)
    new: dict[str, Any] = {"type": kind, "status": value, "reason": reason, "message": message}
    if generation is not None:
        new["observedGeneration"] = generation
    if old is not None and old.get("status") == value and old.get("lastTransitionTime"):
        new["lastTransitionTime"] = old["lastTransitionTime"]
    else:
        new["lastTransitionTime"] = now or now_iso()
    if old is not None and dict(old) == new:
        new = dict(old)
    result = [dict(cond) for cond in conditions if cond.get("type") != kind]
    result.append(new)
    order = {READY: 0, MIGRATED: 1, PROGRESSING: 2, DEGRADED: 3}
    return sorted(result, key=lambda cond: order.get(cond.get("type", ""), 99))


def status_changes(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The part of ``wanted`` that differs from ``current``: the merge patch to send."""
    return {key: value for key, value in wanted.items() if current.get(key) != value}


def refusal(
    conditions: Sequence[Mapping[str, Any]], reason: str, message: str, *, generation: int | None = None
) -> list[dict[str, Any]]:
    """The conditions of a NovelTool the operator cannot act on until its spec (or the cluster) changes."""
    result = set_condition(conditions, DEGRADED, True, reason, message, generation=generation)
    result = set_condition(result, PROGRESSING, False, reason, message, generation=generation)
    return set_condition(result, READY, False, reason, message, generation=generation)
