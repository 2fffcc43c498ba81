"""Which NovelTool a child belongs to, and whether its change matters to that NovelTool's status.

Kopf watches the Deployments and Jobs the operator made; each change is
reduced to what the NovelTool's status reads from the child (a Deployment
rolled out and its replicas, a Job's phase) and the Deployment's generation
(its spec was changed), so that the Deployment controller's bookkeeping
(conditions, timestamps, ready counts on the way) costs no reconciliation.
"""

import dataclasses
from collections.abc import Hashable, Mapping
from typing import Any

from novel_operator import constants as c
from novel_operator.migration import job_phase
from novel_operator.reconcile import deployment_rolled_out

# The label every child carries (manifests.labels): Kopf watches only these.
CHILD_LABELS = {"app.kubernetes.io/managed-by": c.MANAGED_BY}


@dataclasses.dataclass(frozen=True)
class OwnerRef:
    namespace: str
    name: str
    uid: str


def controller_of(child: Mapping[str, Any]) -> OwnerRef | None:
    """The NovelTool that controls ``child`` (its controller owner reference), if one does."""
    meta = child.get("metadata") or {}
    for ref in meta.get("ownerReferences") or ():
        ours = ref.get("kind") == c.KIND and ref.get("apiVersion") == c.API_VERSION
        if ours and ref.get("controller") and ref.get("name") and ref.get("uid") and meta.get("namespace"):
            return OwnerRef(meta["namespace"], ref["name"], ref["uid"])
    return None


def readiness(child: Mapping[str, Any]) -> Hashable:
    """What the owner's status depends on in ``child``: equal values need no reconciliation."""
    if child.get("kind") == "Job":
        return ("Job", job_phase(child)[0])
    status = child.get("status") or {}
    # The generation moves with every change of the spec: someone's edit (drift) is put back at once.
    generation = (child.get("metadata") or {}).get("generation")
    return ("Deployment", generation, deployment_rolled_out(child), status.get("replicas", 0))
