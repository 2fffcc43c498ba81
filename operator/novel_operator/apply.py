"""Create-or-patch of children, so that reconciling twice sends no write at all."""

from collections.abc import Mapping
from typing import Any

import kopf

from novel_operator import kube


def is_subset(desired: Any, existing: Any) -> bool:
    """Whether ``existing`` already has everything ``desired`` asks for.

    The API server adds defaults (``terminationMessagePath``, ``protocol``,
    ``revisionHistoryLimit``...), so an exact comparison would patch forever.
    Lists must have the same length: a container or port removed from the spec
    must be removed from the object too.
    """
    if isinstance(desired, Mapping):
        return isinstance(existing, Mapping) and all(
            key in existing and is_subset(value, existing[key]) for key, value in desired.items()
        )
    if isinstance(desired, list):
        return (
            isinstance(existing, list)
            and len(desired) == len(existing)
            and all(is_subset(d, e) for d, e in zip(desired, existing, strict=True))
        )
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
