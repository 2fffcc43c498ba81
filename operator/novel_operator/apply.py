"""Create-or-patch of children, so that reconciling twice sends no write at all."""

from collections.abc import Mapping
from typing import Any

import kopf

from novel_operator import kube
from novel_operator.quantity import same_quantity

# Fields holding quantities, by the last keys of their path: compared as
# amounts, since the API server rewrites them in its canonical form.
_QUANTITY_PARENTS = {("resources", "requests"), ("resources", "limits")}
_QUANTITY_FIELDS = {("emptyDir", "sizeLimit")}


def _is_quantity(path: tuple[str, ...]) -> bool:
    return path[-3:-1] in _QUANTITY_PARENTS or path[-2:] in _QUANTITY_FIELDS


# Fields that are Go maps: like every list, the API server drops them when
# empty (`omitempty`), so an empty one we send comes back as a missing key.
# Structs such as `emptyDir: {}` are kept, and there `{}` means something.
_MAP_FIELDS = {"requests", "limits", "labels", "annotations", "data", "matchLabels", "nodeSelector"}


# Maps we write whole: the API server adds nothing inside them, so a key the
# object has and the manifest lacks was removed from the spec (a setting, a
# resource request) and must be removed from the object too.
_WHOLE_MAPS = {"data", "resources", "requests", "limits"}


def _absent_is_same(key: str, desired: Any) -> bool:
    return desired is None or desired == [] or (desired == {} and key in _MAP_FIELDS)


def _removed_keys(path: tuple[str, ...], desired: Mapping[str, Any], existing: Mapping[str, Any]) -> list[str]:
    if not path or path[-1] not in _WHOLE_MAPS:
        return []
    return [key for key, value in existing.items() if key not in desired and not _absent_is_same(key, value)]


def is_subset(desired: Any, existing: Any, path: tuple[str, ...] = ()) -> bool:
    """Whether ``existing`` already has everything ``desired`` asks for.

    Only the fields we set are compared: the API server adds defaults
    (``terminationMessagePath``, ``protocol``, ``revisionHistoryLimit``...), so
    an exact comparison would patch forever. Quantities compare by amount
    (``1000m`` is ``1``). Lists must have the same length, and maps we write
    whole must have no other keys: a container, port, setting or resource
    request removed from the spec must be removed from the object too.
    """
    if isinstance(desired, Mapping):
        return (
            isinstance(existing, Mapping)
            and not _removed_keys(path, desired, existing)
            and all(
                is_subset(value, existing[key], (*path, key))
                if existing.get(key) is not None
                else _absent_is_same(key, value)
                for key, value in desired.items()
            )
        )
    if isinstance(desired, list):
        return (
            isinstance(existing, list)
            and len(desired) == len(existing)
            and all(is_subset(d, e, path) for d, e in zip(desired, existing, strict=True))
        )
    if path and _is_quantity(path):
        return same_quantity(desired, existing)
    return desired == existing


def merge_patch(desired: Any, existing: Any, path: tuple[str, ...] = ()) -> Any:
    """``desired`` as a JSON merge patch of ``existing``: ``null`` for the keys removed from maps we write whole.

    A merge patch keeps every key it does not name, so a removed setting would
    stay in the ConfigMap. Lists (containers...) are replaced whole by a merge
    patch: what they hold is never patched key by key, and needs no ``null``.
    """
    if not isinstance(desired, Mapping) or not isinstance(existing, Mapping):
        return desired
    patch = {key: merge_patch(value, existing.get(key), (*path, key)) for key, value in desired.items()}
    patch.update(dict.fromkeys(_removed_keys(path, desired, existing)))
    return patch


async def ensure(
    client: kube.KubeClient,
    manifest: dict[str, Any],
    owner: Mapping[str, Any],
    existing: Mapping[str, Any] | None = None,
    *,
    fetched: bool = False,
) -> dict[str, Any]:
    """Make the child look like ``manifest``; return the object as the server has it.

    ``existing`` may be passed when the caller already read the object
    (``fetched=True`` then means "it was read and may be None").
    """
    kopf.adopt(manifest, owner=owner)  # owner reference, namespace and the owner's labels
    path = kube.object_path(manifest)
    if not fetched:
        existing = await client.get(path)
    if existing is None:
        try:
            return await client.create(manifest)
        except kube.Conflict:
            # Created meanwhile (the timer and a change handler raced): compare with that one.
            existing = await client.get(path)
            if existing is None:
                raise
    if is_subset(manifest, existing):
        return dict(existing)
    return await client.merge_patch(path, merge_patch(manifest, existing))


def owned_by(obj: Mapping[str, Any], owner: Mapping[str, Any]) -> bool:
    """Whether ``owner`` is the controller of ``obj`` (the owner reference ``kopf.adopt`` wrote)."""
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
