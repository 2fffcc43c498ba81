"""Kubernetes Events for what changed in a NovelTool: condition transitions and refusals.

The events are computed purely from the conditions before and after a
reconciliation, so the same decision is tested without a cluster and a
reconciliation that changes nothing posts nothing.
"""

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from novel_operator import status as st

NORMAL = "Normal"
WARNING = "Warning"

# Reasons that mean the operator refused to act or something failed: posted as warnings.
REFUSALS = frozenset({"InvalidSpec", "Rejected", "MigrationFailed", "RollbackRefused", "CRDOutdated"})

# The conditions in the order their transitions are told: the cause before its consequences.
_ORDER = (st.DEGRADED, st.MIGRATED, st.PROGRESSING, st.READY)


@dataclasses.dataclass(frozen=True)
class Event:
    type: str
    reason: str
    message: str


def condition_events(before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]) -> list[Event]:
    """One event per condition whose status or reason changed.

    A refusal sets several conditions to the same reason and message (Degraded,
    Progressing, Ready): it is told once. A first ``Degraded=False`` says nothing.
    """
    old = {cond.get("type"): cond for cond in before}
    new = {cond.get("type"): cond for cond in after}
    events: list[Event] = []
    told: set[tuple[str, str]] = set()
    for kind in _ORDER:
        cond = new.get(kind)
        if cond is None:
            continue
        prev = old.get(kind)
        if prev is not None and (prev.get("status"), prev.get("reason")) == (cond.get("status"), cond.get("reason")):
            continue
        if prev is None and kind == st.DEGRADED and cond.get("status") == "False":
            continue
        reason = cond.get("reason") or kind
        message = cond.get("message") or ""
        if (reason, message) in told:
            continue
        told.add((reason, message))
        text = f"{kind} is {cond.get('status')}" + (f": {message}" if message else "")
        events.append(Event(WARNING if reason in REFUSALS else NORMAL, reason, text))
    return events


def scaling_event(before: int | None, after: int | None, queue_length: int | None) -> Event | None:
    """The autoscaler's decision, when it changes the worker count."""
    if after is None or before is None or before == after:
        return None
    return Event(NORMAL, "ScaledWorkers", f"workers {before} -> {after} for a queue of {queue_length} tasks")
