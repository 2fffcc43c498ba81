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


def _absent_is_same(key: str, desired: Any) -> bool:
    return desired is None or desired == [] or (desired == {} and key in _MAP_FIELDS)


def is_subset(desired: Any, existing: Any, path: tuple[str, ...] = ()) -> bool:
    """Whether ``existing`` already has everything ``desired`` asks for.

    Only the fields we set are compared: the API server adds defaults
    (``terminationMessagePath``, ``protocol``, ``revisionHistoryLimit``...), so
    an exact comparison would patch forever. Quantities compare by amount
    (``1000m`` is ``1``). Lists must have the same length: a container or port
    removed from the spec must be removed from the object too.
    """
    if isinstance(desired, Mapping):
        return isinstance(existing, Mapping) and all(
            is_subset(value, existing[key], (*path, key))
            if existing.get(key) is not None
            else _absent_is_same(key, value)
            for key, value in desired.items()
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
    return await client.merge_patch(path, manifest)
