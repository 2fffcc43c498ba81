"""One plain-HTTP API for the operator: custom resources from the real server, built-in kinds from kmock.

The operator reaches an API at a plain-HTTP URL (``NOVEL_OPERATOR_KUBE_URL``,
as through `kubectl proxy`); this proxy plays that part, holding the client
certificate the real server authenticates. Requests under the real server's
groups go there, everything else (the core API, apps, batch, events) to
kmock's emulator. ``/apis`` is answered from both, as the aggregator of a real
cluster would (apiextensions-apiserver alone does not serve it). Responses are
streamed through as they come, so watches stay watches.
"""

import ssl
from collections.abc import Collection
from typing import Any

import aiohttp
import aiohttp.web

from tests.fakes.servers import HOST, free_port

# The request headers worth forwarding; credentials are the proxy's own.
FORWARDED = ("Accept", "Content-Type", "User-Agent")


class RoutingProxy:
    def __init__(
        self, *, real_url: str, real_ssl: ssl.SSLContext, emulator_url: str, real_groups: Collection[str]
    ) -> None:
        self.real_url = real_url.rstrip("/")
        self.emulator_url = emulator_url.rstrip("/")
        self.real_groups = frozenset(real_groups)
        self.real_ssl = real_ssl
        self.url = ""
        self._session: aiohttp.ClientSession | None = None
        self._runner: aiohttp.web.AppRunner | None = None
        # What went where, for the tests to check the routing: (method, path, "real" or "emulator").
        self.requests: list[tuple[str, str, str]] = []

    def upstream(self, path: str) -> str:
        parts = path.split("/")  # "", "apis", group, ...
        if len(parts) > 2 and parts[1] == "apis" and parts[2] in self.real_groups:
            return self.real_url
        return self.emulator_url

    async def __aenter__(self) -> "RoutingProxy":
        # No timeout: a watch lasts as long as the client wants it.
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
            connector=aiohttp.TCPConnector(ssl=self.real_ssl),
        )
        app = aiohttp.web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._handle)
        # Open watches are cut at the end, not waited for.
        self._runner = aiohttp.web.AppRunner(app, handle_signals=False, shutdown_timeout=1)
        await self._runner.setup()
        port = free_port()
        await aiohttp.web.TCPSite(self._runner, HOST, port).start()
        self.url = f"http://{HOST}:{port}"
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        assert self._runner is not None and self._session is not None
        await self._runner.cleanup()
        await self._session.close()

    async def _handle(self, request: aiohttp.web.Request) -> aiohttp.web.StreamResponse:
        if request.method == "GET" and request.path.rstrip("/") == "/apis":
            return aiohttp.web.json_response(await self._group_list())
        upstream = self.upstream(request.path)
        self.requests.append((request.method, request.path, "real" if upstream == self.real_url else "emulator"))
        assert self._session is not None
        headers = {name: request.headers[name] for name in FORWARDED if name in request.headers}
        body = await request.read()
        async with self._session.request(
            request.method, upstream + request.raw_path, headers=headers, data=body or None, allow_redirects=False
        ) as answer:
            response = aiohttp.web.StreamResponse(status=answer.status, reason=answer.reason)
            if "Content-Type" in answer.headers:
                response.content_type = answer.headers["Content-Type"].split(";")[0]
            await response.prepare(request)
            try:
                async for chunk in answer.content.iter_any():
                    await response.write(chunk)
                await response.write_eof()
            except ConnectionResetError:
                pass  # the client went (a watch it stopped): so does the upstream request
            return response

    async def _group_list(self) -> dict[str, Any]:
        """The emulator's API groups, with the real server's in place of its own of those names."""
        assert self._session is not None
        async with self._session.get(f"{self.emulator_url}/apis") as answer:
            listing = await answer.json(content_type=None) if answer.status == 200 else {"groups": []}
        groups = [group for group in listing.get("groups", []) if group.get("name") not in self.real_groups]
        for name in sorted(self.real_groups):
            async with self._session.get(f"{self.real_url}/apis/{name}") as answer:
                if answer.status == 200:  # a CRD's group is served once the CRD is established
                    groups.append(await answer.json())
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
