"""Worker autoscaling on the Celery queue length, with the HPA's scale-down stabilisation.

A queue drains and refills in bursts, so following every reading would start
and stop workers all the time (and stopping a Celery worker takes up to its
grace period). As the HorizontalPodAutoscaler does, the operator scales up at
once but scales down only to the highest count it recommended during the last
``scaleDownStabilizationSeconds``. Those recommendations are kept in the
resource's status rather than in memory, so a restarted operator (or the next
leader) does not forget a burst and scale down early.
"""

import base64
import dataclasses
import datetime
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import redis.asyncio as aioredis

from novel_operator import constants as c
from novel_operator import kube
from novel_operator.spec import Autoscaling, NovelToolSpec


def desired_workers(queue_length: int, autoscaling: Autoscaling) -> int:
    """Enough workers for ``targetQueueLengthPerWorker`` tasks each, within [min, max]."""
    wanted = math.ceil(max(queue_length, 0) / autoscaling.target_per_worker)
    return max(autoscaling.min_replicas, min(autoscaling.max_replicas, wanted))


@dataclasses.dataclass(frozen=True)
class Recommendation:
    at: float  # seconds since the epoch: wall-clock time, as it must survive restarts
    replicas: int


STATUS_FIELD = "workerRecommendations"


def stabilize(
    desired: int,
    history: Iterable[Recommendation],
    *,
    now: float,
    window: float,
    current: int | None = None,
) -> tuple[int, list[Recommendation]]:
    """Return the replicas to run and the recommendations to remember.

    The result is ``desired`` when it is above ``current`` (scale up at once);
    otherwise it is at most the highest recommendation of the last ``window``
    seconds, this one included, and never more than ``current`` -- what the
    HPA's ``stabilizeRecommendationWithBehaviors`` does with a scale-up window
    of 0. A window of 0 disables stabilisation.
    """
    if window <= 0:
        return desired, []
    # A recommendation from the future (the clock went back) still expires, a window later at most.
    recent = sorted((r for r in history if -window < now - r.at < window), key=lambda r: r.at)
    ceiling = max([desired, *(r.replicas for r in recent)])
    replicas = ceiling if current is None else max(desired, min(current, ceiling))
    # An older recommendation at or below a newer one can never be the maximum
    # again, so the list stays strictly decreasing: a sliding-window maximum.
    while recent and recent[-1].replicas <= desired:
        recent.pop()
    recent.append(Recommendation(now, desired))
    while len(recent) > c.MAX_RECOMMENDATIONS:
        # Merge the two closest neighbours into the higher value at the later
        # time: a longer hold, never an earlier scale-down.
        i = min(range(len(recent) - 1), key=lambda k: recent[k].replicas - recent[k + 1].replicas)
        recent[i : i + 2] = [Recommendation(recent[i + 1].at, recent[i].replicas)]
    return replicas, recent


def _timestamp(at: float) -> str:
    # RFC 3339 with microseconds, as Kubernetes' MicroTime: readable in `kubectl get -o yaml`.
    return datetime.datetime.fromtimestamp(at, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def load_recommendations(status: Mapping[str, Any]) -> list[Recommendation]:
    """The recommendations kept in the status; malformed entries (a hand edit) are ignored."""
    result = []
    for entry in status.get(STATUS_FIELD) or ():
        try:
            at = datetime.datetime.fromisoformat(entry["time"]).timestamp()
            replicas = entry["replicas"]
        except (TypeError, KeyError, ValueError):
            continue
        if isinstance(replicas, int) and not isinstance(replicas, bool):
            result.append(Recommendation(at, replicas))
    return result


def dump_recommendations(history: Sequence[Recommendation]) -> list[dict[str, Any]] | None:
    # None, not [], so that an empty history deletes the field (merge patch) or writes nothing.
    return [{"time": _timestamp(r.at), "replicas": r.replicas} for r in history] or None


def decide(
    queue_length: int, autoscaling: Autoscaling, status: Mapping[str, Any], *, now: float
) -> tuple[int, list[dict[str, Any]] | None]:
    """The worker count for this queue length, and the status field that remembers why."""
    current = status.get("workerReplicas")
    replicas, history = stabilize(
        desired_workers(queue_length, autoscaling),
        load_recommendations(status),
        now=now,
        window=autoscaling.scale_down_stabilization,
        current=current if isinstance(current, int) else None,
    )
    # Recommendations at the minimum never hold anything up: an idle queue writes nothing.
    history = [r for r in history if r.replicas > autoscaling.min_replicas]
    return clamp_workers(replicas, autoscaling), dump_recommendations(history)


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
