"""kmock's Kubernetes emulator, taught the two things of a real API server the operator relies on.

- ``metadata.generateName``: Kopf posts its Events with a generated name.
- Server-side apply (``PATCH`` with ``application/apply-patch+yaml``): the object
  is created if missing, the applied fields are merged in, and the fields this
  field manager applied last time but no longer does are removed, which is what
  makes a setting deleted from the spec go from the child. Lists are atomic
  here (replaced whole), which is what they are to a single manager.
"""

import copy
import itertools
from collections.abc import Mapping
from typing import Any

import aiohttp.web
import attrs
import kmock

APPLY = "application/apply-patch+yaml"


def _removed(previous: Any, applied: Any) -> Any:
    """A merge patch of ``None`` for every field of ``previous`` that ``applied`` no longer has."""
    if not isinstance(previous, Mapping) or not isinstance(applied, Mapping):
        return {}
    patch: dict[str, Any] = {}
    for key, value in previous.items():
        if key not in applied:
            patch[key] = None
        else:
            nested = _removed(value, applied[key])
            if nested:
                patch[key] = nested
    return patch


def _merge(base: Any, patch: Any) -> Any:
    if not isinstance(base, Mapping) or not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    result = dict(base)
    for key, value in patch.items():
        result[key] = _merge(base.get(key), value) if isinstance(value, Mapping) else copy.deepcopy(value)
    return result


@attrs.define(kw_only=True)
class Emulator(kmock.KubernetesEmulator):
    _names: Any = attrs.field(factory=itertools.count, init=False)
    # What each field manager applied last, by object: the fields it owns.
    _applied: dict[Any, Any] = attrs.field(factory=dict, init=False)
    # Applies refused as the API server would (admission, validation): by path, the status and its body.
    refusals: dict[str, tuple[int, dict[str, Any]]] = attrs.field(factory=dict, init=False)

    async def _handle(self, request: kmock.Request) -> aiohttp.web.StreamResponse:
        if request.resource is not None and request.method == "POST" and isinstance(request.data, dict):
            meta = request.data.setdefault("metadata", {})
            if not meta.get("name") and meta.get("generateName"):
                meta["name"] = f"{meta['generateName']}{next(self._names):05d}"
        if (
            request.resource is not None
            and request.method == "PATCH"
            and request.name
            and request.headers.get("Content-Type", "").startswith(APPLY)
        ):
            return await self._apply(request)
        return await super()._handle(request)

    def applied_by(self, resource: str, namespace: str, name: str) -> set[str]:
        """The field managers that applied this object."""
        key = (kmock.resource(resource), namespace, name)
        return {manager for (obj, manager) in self._applied if obj == key}

    async def _apply(self, request: kmock.Request) -> aiohttp.web.StreamResponse:
        if request.url.path in self.refusals:
            status, body = self.refusals[request.url.path]
            return aiohttp.web.json_response(body, status=status)
        manager = request.params.get("fieldManager")
        if not manager:
            return aiohttp.web.json_response({"kind": "Status", "code": 400, "message": "fieldManager"}, status=400)
        key = (request.resource, request.namespace, request.name)
        applied = request.data
        async with self._lock:
            live = key in self._objects and not self._objects[key].deleted
            if not live:
                if key in self._objects:
                    self._objects[key].create(applied)
                else:
                    self._objects[key] = applied
                await self._buses[request.resource].put({"type": "ADDED", "object": self._objects[key].raw})
            else:
                existing = self._objects[key].raw
                patch = _merge(_removed(self._applied.get((key, manager)), applied), applied)
                merged = kmock.Object(copy.deepcopy(existing))
                merged.patch(patch)
                if merged.raw != existing:  # an apply that changes nothing writes nothing
                    self._objects[key].patch(patch)
                    await self._buses[request.resource].put({"type": "MODIFIED", "object": self._objects[key].raw})
            self._applied[(key, manager)] = copy.deepcopy(applied)
            return aiohttp.web.json_response(self._objects[key].raw)
