"""A small asynchronous Kubernetes API client for the few calls the operator makes.

Kopf watches the NovelTools and their children; the children are written
(server-side apply) and the NovelTool's status patched here, with plain REST
calls over aiohttp (already a Kopf dependency), which keeps the operator free
of a heavy client and easy to aim at a mock API server in tests.
"""

import dataclasses
import json
import os
import ssl
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp

FIELD_MANAGER = "novel-operator"  # constants.FIELD_MANAGER; kube imports nothing of ours
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
# Set to talk to a plain-HTTP API (kubectl proxy, or a mock server in tests).
URL_ENV = "NOVEL_OPERATOR_KUBE_URL"

PLURALS = {
    "ConfigMap": "configmaps",
    "Deployment": "deployments",
    "Job": "jobs",
    "Pod": "pods",
    "Secret": "secrets",
    "Service": "services",
}


class KubeError(Exception):
    """An API call failed; ``status`` is the HTTP status (0 when the server was not reached)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message

    @property
    def retriable(self) -> bool:
        # 400/422 mean the object we built from the spec is invalid; resending it
        # cannot succeed. Everything else (network, 5xx, 429, 403 until RBAC is
        # fixed, 409 races) may pass.
        return self.status not in (400, 422)


class NotFound(KubeError):
    pass


class Conflict(KubeError):
    pass


@dataclasses.dataclass(frozen=True)
class KubeConfig:
    server: str
    token_path: str | None = None
    ca_path: str | None = None

    @classmethod
    def from_environment(cls) -> "KubeConfig":
        url = os.environ.get(URL_ENV)
        if url:
            return cls(server=url.rstrip("/"))
        host = os.environ.get("KUBERNETES_SERVICE_HOST")
        port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
        if not host:
            raise RuntimeError(f"not in a cluster: set {URL_ENV} (e.g. to a `kubectl proxy` URL)")
        if ":" in host:  # an IPv6 address
            host = f"[{host}]"
        return cls(
            server=f"https://{host}:{port}",
            token_path=f"{SERVICE_ACCOUNT_DIR}/token",
            ca_path=f"{SERVICE_ACCOUNT_DIR}/ca.crt",
        )


def _reason(text: str) -> str:
    """The ``message`` of the API's Status object (what `kubectl` prints), or the body as it came."""
    try:
        status = json.loads(text)
    except ValueError:
        return text
    if isinstance(status, Mapping) and isinstance(status.get("message"), str):
        return status["message"]
    return text


def collection_path(api_version: str, kind: str, namespace: str) -> str:
    prefix = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
    return f"{prefix}/namespaces/{namespace}/{PLURALS[kind]}"


def object_path(manifest: Mapping[str, Any]) -> str:
    meta = manifest["metadata"]
    return f"{collection_path(manifest['apiVersion'], manifest['kind'], meta['namespace'])}/{meta['name']}"


# Told of every request: its method, the status answered (0: none) and its duration in seconds.
Observer = Callable[[str, int, float], None]


class KubeClient:
    def __init__(self, config: KubeConfig, *, timeout: float = 30, observe: Observer | None = None) -> None:
        self.config = config
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.observe = observe
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.config.token_path:
            # Bound service-account tokens rotate: read the file on every call.
            with open(self.config.token_path, encoding="utf-8") as token:
                headers["Authorization"] = f"Bearer {token.read().strip()}"
        return headers

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            # A handler still finishing while the operator stops must not open a session nobody closes.
            raise aiohttp.ClientConnectionError("the client is closed: the operator is stopping")
        if self._session is None or self._session.closed:
            ssl_context: ssl.SSLContext | bool = True
            if self.config.ca_path:
                ssl_context = ssl.create_default_context(cafile=self.config.ca_path)
            self._session = aiohttp.ClientSession(timeout=self.timeout, connector=aiohttp.TCPConnector(ssl=ssl_context))
        return self._session

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> dict[str, Any]:
        headers = self._headers()
        if content_type:
            headers["Content-Type"] = content_type
        kwargs: dict[str, Any] = {"headers": headers, "params": params}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        started = time.perf_counter()
        code = 0
        try:
            async with self._get_session().request(method, self.config.server + path, **kwargs) as response:
                code = response.status
                if response.status == 404:
                    raise NotFound(404, f"{method} {path}: not found")
                if response.status == 409:
                    raise Conflict(409, f"{method} {path}: {_reason(await response.text())}")
                if response.status >= 400:
                    raise KubeError(response.status, f"{method} {path}: {_reason(await response.text())}")
                return await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise KubeError(0, f"{method} {path}: {exc!r}") from exc
        finally:
            if self.observe is not None:
                self.observe(method, code, time.perf_counter() - started)

    async def get(self, path: str) -> dict[str, Any] | None:
        try:
            return await self.request("GET", path)
        except NotFound:
            return None

    async def merge_patch(self, path: str, patch: Mapping[str, Any]) -> dict[str, Any]:
        """A JSON merge patch: for the NovelTool's own status, which the operator alone writes, field by field."""
        return await self.request("PATCH", path, body=patch, content_type="application/merge-patch+json")

    async def json_patch(self, path: str, operations: list[Mapping[str, Any]]) -> dict[str, Any]:
        return await self.request("PATCH", path, body=operations, content_type="application/json-patch+json")

    async def apply(self, path: str, manifest: Mapping[str, Any], *, force: bool = True) -> dict[str, Any]:
        """Server-side apply of ``manifest`` as the operator's field manager (creates it if missing)."""
        params = {"fieldManager": FIELD_MANAGER, "force": "true" if force else "false"}
        return await self.request(
            "PATCH", path, body=manifest, params=params, content_type="application/apply-patch+yaml"
        )

    async def delete(self, path: str, *, uid: str | None = None) -> bool:
        """Delete the object at ``path`` (only if it still has ``uid``); False when it was already gone."""
        options: dict[str, Any] = {"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Background"}
        if uid:
            options["preconditions"] = {"uid": uid}
        try:
            await self.request("DELETE", path, body=options)
        except NotFound:
            return False
        return True

    async def list(self, path: str, label_selector: Mapping[str, str]) -> list[dict[str, Any]]:
        query = ",".join(f"{key}={value}" for key, value in sorted(label_selector.items()))
        result = await self.request("GET", path, params={"labelSelector": query})
        # Filtered again here: a proxy or mock that ignores the selector must not
        # make us read another Job's pods.
        return [
            item
            for item in result.get("items", [])
            if all(item.get("metadata", {}).get("labels", {}).get(k) == v for k, v in label_selector.items())
        ]

    async def close(self) -> None:
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None
