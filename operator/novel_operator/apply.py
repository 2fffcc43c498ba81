"""Writing the children: server-side apply under the operator's one field manager.

Every child is sent whole, as the manifest builders make it, with
``fieldManager=novel-operator`` and ``force=true``: the API server merges it,
takes back any field someone else changed (drift), and removes the fields the
operator applied last time and no longer does (a setting deleted from the
spec). An apply that changes nothing is no write at all on the server (the
``resourceVersion`` stays), so reconciling twice costs requests, not updates,
and the server compares in its own canonical form (``1000m`` is ``1``).
"""

from collections.abc import Mapping
from typing import Any

import kopf

from novel_operator import constants as c
from novel_operator import kube

# The owner's labels that are not true of the children: Helm's own bookkeeping
# about the NovelTool (the chart that rendered it, the release that owns it; the
# operator manages the children), and the chart's version, where the children
# that run an image say that image's version (manifests.labels).
NOT_INHERITED = frozenset({"helm.sh/chart", "app.kubernetes.io/managed-by", c.VERSION_LABEL})
NOT_INHERITED_PREFIXES = ("helm.sh/", "meta.helm.sh/")


def inherited_labels(owner: Mapping[str, Any]) -> dict[str, str]:
    """The NovelTool's labels that its children carry too."""
    labels = (owner.get("metadata") or {}).get("labels") or {}
    return {
        key: value
        for key, value in labels.items()
        if key not in NOT_INHERITED and not key.startswith(NOT_INHERITED_PREFIXES)
    }


def adopt(manifest: dict[str, Any], owner: Mapping[str, Any]) -> None:
    """The owner reference (controller, blockOwnerDeletion) and the owner's labels, below the manifest's own.

    Annotations are not inherited at all (Helm's ``meta.helm.sh/release-*``
    among them): ``kopf.adopt`` copies none either.
    """
    kopf.append_owner_reference(manifest, owner=owner)
    kopf.label(manifest, labels=inherited_labels(owner))


# The manager the API server named the operator's writes by before it applied
# them: no fieldManager was sent, so the first word of aiohttp's user agent.
LEGACY_MANAGERS = frozenset({"Python"})


def _union(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """Two ``FieldsV1`` sets as one (nested maps whose leaves are ``{}``)."""
    result = dict(a)
    for key, value in b.items():
        result[key] = _union(result[key], value) if isinstance(result.get(key), Mapping) else value
    return result


def upgraded_managed_fields(entries: list[Mapping[str, Any]]) -> list[dict[str, Any]] | None:
    """``managedFields`` with the old writes' fields moved to the operator's apply; None when there are none.

    Until the fields are the apply's alone, those the operator stops setting
    (a deleted setting, Helm's label the children used to inherit) would stay
    on the object, owned by the old manager (client-go's ``csaupgrade`` does the same).
    """
    ours = next(
        (
            e
            for e in entries
            if e.get("manager") == kube.FIELD_MANAGER and e.get("operation") == "Apply" and not e.get("subresource")
        ),
        None,
    )
    if ours is None:
        return None
    legacy = [
        e
        for e in entries
        if e.get("manager") in LEGACY_MANAGERS
        and e.get("operation") == "Update"
        and not e.get("subresource")
        and e.get("apiVersion") == ours.get("apiVersion")
    ]
    if not legacy:
        return None
    fields: dict[str, Any] = dict(ours.get("fieldsV1") or {})
    for entry in legacy:
        fields = _union(fields, entry.get("fieldsV1") or {})
    return [{**e, "fieldsV1": fields} if e is ours else dict(e) for e in entries if not any(e is x for x in legacy)]


async def ensure(client: kube.KubeClient, manifest: dict[str, Any], owner: Mapping[str, Any]) -> dict[str, Any]:
    """Make the child look like ``manifest`` (created if missing); return the object as the server has it."""
    adopt(manifest, owner)
    path = kube.object_path(manifest)
    result = await client.apply(path, manifest)
    meta = result.get("metadata") or {}
    upgraded = upgraded_managed_fields(meta.get("managedFields") or [])
    if upgraded is not None:
        # Once per object made by an operator that did not apply yet.
        operations = [
            {"op": "test", "path": "/metadata/resourceVersion", "value": meta.get("resourceVersion")},
            {"op": "replace", "path": "/metadata/managedFields", "value": upgraded},
        ]
        try:
            await client.json_patch(path, operations)
        except kube.KubeError:
            return result  # changed meanwhile: the next reconciliation tries again
        # Applied again, the fields the operator no longer sets go.
        result = await client.apply(path, manifest)
    return result


def owned_by(obj: Mapping[str, Any], owner: Mapping[str, Any]) -> bool:
    """Whether ``owner`` is the controller of ``obj`` (the owner reference :func:`adopt` wrote)."""
    uid = (owner.get("metadata") or {}).get("uid")
    references = (obj.get("metadata") or {}).get("ownerReferences") or ()
    return bool(uid) and any(ref.get("uid") == uid and ref.get("controller") for ref in references)


async def remove(client: kube.KubeClient, manifest: Mapping[str, Any], owner: Mapping[str, Any]) -> bool:
    """Delete the child ``manifest`` names if ``owner`` controls it; return whether something was deleted.

    An object of that name that is not ours (made by hand, or by another
    NovelTool) is left alone; the uid precondition makes sure the object
    deleted is the one just read.
    """
    path = kube.object_path(manifest)
    existing = await client.get(path)
    if existing is None or not owned_by(existing, owner):
        return False
    return await client.delete(path, uid=(existing.get("metadata") or {}).get("uid"))
