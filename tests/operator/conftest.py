"""Fixtures to run the real operator against kmock's Kubernetes API emulator and a private Redis."""

import asyncio
import base64
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import kmock
import kopf
import pytest
import pytest_asyncio

from novel_operator import constants as c
from novel_operator.config import OperatorConfig
from novel_operator.crd import build_crd
from novel_operator.handlers import register
from tests.fakes.servers import start_redis

from .emulator import Emulator

NAMESPACE = "novels"
NT_RESOURCE = f"{c.GROUP}/{c.VERSION}/{c.PLURAL}"
CRD_RESOURCE = "apiextensions.k8s.io/v1/customresourcedefinitions"
NT_PATH = f"/apis/{c.GROUP}/{c.VERSION}/namespaces/{NAMESPACE}/{c.PLURAL}"

# Short timings so a whole scenario runs in seconds; the logic is the production one.
FAST = OperatorConfig(timer_interval=0.5, migration_poll=0.3, retry_base=0.2, retry_max=1.0, exit_polling=0.2)


@pytest.fixture()
def kmock_options(kmock_options: dict[str, Any]) -> dict[str, Any]:
    """kmock's emulator with generated names and server-side apply (tests/operator/emulator.py)."""
    return {**kmock_options, "cls": Emulator}


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A private redis-server on a free port: the machine's shared Redis is never written to."""
    # Without redis-server these tests skip, in CI too.
    with start_redis() as server:
        yield server.url


@pytest.fixture()
def cluster(kmock: kmock.KubernetesEmulator, redis_url: str) -> kmock.KubernetesEmulator:
    """The emulator with built-in resources, the NovelTool resource and the app's Secret."""
    kmock.resources.load_bundled()
    kmock.resources[NT_RESOURCE] = kmock.ResourceInfo(
        kind=c.KIND,
        singular=c.SINGULAR,
        namespaced=True,
        subresources={"status"},
        verbs={"get", "list", "watch", "create", "update", "patch", "delete"},
    )
    # The CRD this operator was built with, as `helm install` leaves it (checked at start-up).
    kmock.objects[CRD_RESOURCE, None, c.CRD_NAME] = build_crd()
    secret = {
        "DATABASE_URL": "postgresql://novel@db/novel",
        "REDIS_URL": redis_url,
        "JWT_SECRET_KEY": "jwt",
        "SECRET_KEY": "secret",
        "GEMINI_API_KEY": "gemini",
    }
    kmock.objects["v1/secrets", NAMESPACE, "novel-secrets"] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "novel-secrets", "namespace": NAMESPACE},
        "data": {key: base64.b64encode(value.encode()).decode() for key, value in secret.items()},
    }
    return kmock


@pytest.fixture()
def operator_config() -> OperatorConfig:
    """The operator's timings; a module overrides this fixture to run with others."""
    return FAST


@pytest.fixture()
def kube_url(cluster: kmock.KubernetesEmulator) -> str:
    """Where the operator finds its API server; tests/operator/realapi aims it at a real one."""
    return str(cluster.url)


@pytest_asyncio.fixture()
async def running_operator(
    cluster: kmock.KubernetesEmulator, kube_url: str, monkeypatch: pytest.MonkeyPatch, operator_config: OperatorConfig
) -> AsyncIterator[None]:
    """The real operator (handlers, timers, Kopf's machinery), in a thread with its own event loop.

    Kopf cancels every task created in its loop after it started when it stops,
    so it must not share the loop with pytest-asyncio and the kmock server.
    """
    monkeypatch.setenv("NOVEL_OPERATOR_KUBE_URL", kube_url)
    registry = kopf.OperatorRegistry()
    register(registry, operator_config)
    stop = threading.Event()
    ready = threading.Event()
    cleaned_up = threading.Event()
    errors: list[BaseException] = []
    running: dict[str, Any] = {}

    @kopf.on.cleanup(registry=registry)
    def tell_the_test(**_: Any) -> None:
        cleaned_up.set()

    async def operate() -> None:
        running["loop"], running["task"] = asyncio.get_running_loop(), asyncio.current_task()
        await kopf.operator(
            registry=registry,
            settings=kopf.OperatorSettings(),
            namespaces=[NAMESPACE],
            standalone=True,
            stop_flag=stop,
            ready_flag=ready,
            memo=kopf.Memo(),
        )

    def run() -> None:
        try:
            asyncio.run(operate())
        except asyncio.CancelledError:
            pass  # cut short after its clean-up, below
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    thread = threading.Thread(target=run, name="kopf-operator", daemon=True)
    thread.start()
    await eventually(lambda: ready.is_set() or errors, message="the operator to start")
    try:
        yield
    finally:
        stop.set()
        await eventually(lambda: cleaned_up.is_set() or not thread.is_alive(), timeout=15, message="the clean-up")
        # After its clean-up Kopf gives the tasks still running 5 s before it cancels them: a
        # timer it re-spawned while stopping (kmock echoes its patches late) is all there is.
        await asyncio.sleep(0.2)
        if thread.is_alive():
            running["loop"].call_soon_threadsafe(running["task"].cancel)
        await eventually(lambda: not thread.is_alive(), timeout=15, message="the operator to stop")
    assert not errors, errors


def noveltool(name: str = "shop", image: str = "novel-pyramid:1.0", **spec: Any) -> dict[str, Any]:
    ref = {"name": "novel-secrets"}
    return {
        "apiVersion": c.API_VERSION,
        "kind": c.KIND,
        # The emulator does not assign uids or generations; a real API server does.
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "uid": str(uuid.uuid4()),
            "generation": 1,
            "resourceVersion": "1",
        },
        "spec": {
            "image": image,
            "secrets": {
                "databaseUrl": {**ref, "key": "DATABASE_URL"},
                "redisUrl": {**ref, "key": "REDIS_URL"},
                "jwtSecretKey": {**ref, "key": "JWT_SECRET_KEY"},
                "secretKey": {**ref, "key": "SECRET_KEY"},
                "geminiApiKey": {**ref, "key": "GEMINI_API_KEY"},
            },
            "settings": {"logLevel": "INFO", "geminiModel": "gemini-2.5-flash"},
            **spec,
        },
    }


async def eventually(check: Callable[[], Any], timeout: float = 10, message: str = "") -> Any:
    """Poll ``check`` until it returns something truthy (the operator works asynchronously)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting: {message or check}")
        await asyncio.sleep(0.05)


async def poll(fetch: Any, check: Any, message: str, timeout: float = 20) -> Any:
    """``await fetch()`` until ``check`` holds for its result; return that result."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await fetch()
        if check(result):
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {message}; last: {result}")
        await asyncio.sleep(0.1)


class Cluster:
    """Reading the emulator's objects, and playing the parts of the controllers it lacks.

    kmock stores objects but runs no controllers: the Job controller, the
    Deployment controller and the garbage collector are played here, each
    doing just what the real one does to the fields the operator reads.
    """

    def __init__(self, emulator: kmock.KubernetesEmulator) -> None:
        self.emulator = emulator

    def get(self, resource: str, name: str) -> dict[str, Any] | None:
        key = (kmock.resource(resource), NAMESPACE, name)  # `in` does not parse strings
        if key not in self.emulator.objects or self.emulator.objects[key].deleted:
            return None
        return self.emulator.objects[key].raw

    def versions(self, resource: str, name: str) -> int:
        """How many times the object was written (created or patched)."""
        return len([v for v in self.emulator.objects[resource, NAMESPACE, name, :] if v is not None])

    def names(self, resource: str) -> list[str]:
        return sorted(
            name
            for (res, ns, name), obj in self.emulator.objects.items()
            if res == kmock.resource(resource) and ns == NAMESPACE and not obj.deleted
        )

    def noveltool(self, name: str = "shop") -> dict[str, Any] | None:
        return self.get(NT_RESOURCE, name)

    def condition(self, kind: str, name: str = "shop") -> dict[str, Any]:
        for cond in ((self.noveltool(name) or {}).get("status") or {}).get("conditions") or ():
            if cond["type"] == kind:
                return cond
        return {}

    async def create(self, body: dict[str, Any]) -> None:
        response = await self.emulator.post(NT_PATH, json=body)
        assert response.status == 200, await response.text()

    async def patch_spec(self, spec: dict[str, Any], name: str = "shop") -> None:
        generation = (self.noveltool(name) or {})["metadata"]["generation"] + 1
        response = await self.emulator.patch(
            f"{NT_PATH}/{name}", json={"metadata": {"generation": generation}, "spec": spec}
        )
        assert response.status == 200, await response.text()

    async def delete(self, name: str = "shop") -> None:
        response = await self.emulator.delete(f"{NT_PATH}/{name}")
        assert response.status == 200, await response.text()

    async def write_status(self, resource: str, name: str, status: dict[str, Any]) -> None:
        """A controller's status write, through the API: watchers see it as a real controller's would."""
        prefix = "/api/v1" if resource.startswith("v1/") else f"/apis/{resource.rsplit('/', 1)[0]}"
        url = f"{prefix}/namespaces/{NAMESPACE}/{resource.rsplit('/', 1)[1]}/{name}/status"
        response = await self.emulator.patch(url, json={"status": status})
        assert response.status == 200, await response.text()

    async def finish_job(self, name: str, *, succeeded: bool, revision: str = "") -> None:
        """What the Job controller and the kubelet report when the migration pod ends."""
        # The pod first, as the kubelet reports it before the Job controller sees it end.
        response = await self.emulator.post(
            f"/api/v1/namespaces/{NAMESPACE}/pods",
            json={
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": f"{name}-x1", "namespace": NAMESPACE, "labels": {"job-name": name}},
                "status": {
                    "containerStatuses": [
                        {
                            "name": c.MIGRATION_CONTAINER,
                            "state": {"terminated": {"exitCode": 0 if succeeded else 1, "message": revision}},
                        }
                    ]
                },
            },
        )
        assert response.status == 200, await response.text()
        condition = {
            "type": "Complete" if succeeded else "Failed",
            "status": "True",
            "reason": "Completed" if succeeded else "BackoffLimitExceeded",
            "message": "" if succeeded else "Job has reached the specified backoff limit",
        }
        await self.write_status("batch/v1/jobs", name, {"conditions": [condition]})

    async def roll_out(self, name: str) -> None:
        """What the Deployment controller reports once every replica is updated and available."""
        deployment = self.get("apps/v1/deployments", name)
        assert deployment is not None
        replicas = deployment["spec"].get("replicas", 1)
        await self.write_status(
            "apps/v1/deployments",
            name,
            {
                "observedGeneration": deployment["metadata"].get("generation", 0),
                "replicas": replicas,
                "updatedReplicas": replicas,
                "availableReplicas": replicas,
                "readyReplicas": replicas,
            },
        )

    def collect_garbage(self) -> None:
        """What the garbage collector does: delete objects whose owner (by uid) is gone."""
        live_uids = {
            obj.raw.get("metadata", {}).get("uid") for obj in self.emulator.objects.values() if not obj.deleted
        }
        for obj in list(self.emulator.objects.values()):
            owners = obj.raw.get("metadata", {}).get("ownerReferences") if not obj.deleted else None
            if owners and not any(owner["uid"] in live_uids for owner in owners):
                obj.delete()


@pytest.fixture()
def k8s(cluster: kmock.KubernetesEmulator) -> Cluster:
    return Cluster(cluster)
