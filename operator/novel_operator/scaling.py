"""Worker autoscaling on the Celery queue length."""

import base64
import math

import redis.asyncio as aioredis

from novel_operator import kube
from novel_operator.spec import Autoscaling, NovelToolSpec


def desired_workers(queue_length: int, autoscaling: Autoscaling) -> int:
    """Enough workers for ``targetQueueLengthPerWorker`` tasks each, within [min, max]."""
    wanted = math.ceil(max(queue_length, 0) / autoscaling.target_per_worker)
    return max(autoscaling.min_replicas, min(autoscaling.max_replicas, wanted))


def clamp_workers(current: int | None, autoscaling: Autoscaling) -> int:
    """Keep the current count when it is within bounds (the timer owns the decision)."""
    if current is None:
        return autoscaling.min_replicas
    return max(autoscaling.min_replicas, min(autoscaling.max_replicas, current))


async def read_secret_value(client: kube.KubeClient, namespace: str, ref_name: str, ref_key: str) -> str:
    secret = await client.get(f"/api/v1/namespaces/{namespace}/secrets/{ref_name}")
    if secret is None:
        raise LookupError(f"Secret {ref_name} not found")
    encoded = (secret.get("data") or {}).get(ref_key)
    if encoded is None:
        raise LookupError(f"Secret {ref_name} has no key {ref_key}")
    return base64.b64decode(encoded).decode()


async def queue_length(redis_url: str, queue: str, *, socket_timeout: float = 5) -> int:
    """``LLEN`` of the queue in the broker database the URL names (Celery's Redis transport)."""
    client = aioredis.from_url(redis_url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout)
    try:
        return int(await client.llen(queue))
    finally:
        await client.aclose()


async def observe_queue(client: kube.KubeClient, spec: NovelToolSpec) -> int:
    ref = spec.broker_secret
    url = await read_secret_value(client, spec.namespace, ref.name, ref.key)
    return await queue_length(url, spec.queue)
