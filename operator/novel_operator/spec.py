"""The NovelTool spec, read once into typed values with the CRD's defaults.

The API server already validates against the CRD schema and fills defaults;
the same defaults are applied here so the operator behaves the same against a
server that did not (older objects, tests, a CRD not yet upgraded).
"""

import dataclasses
from collections.abc import Mapping
from typing import Any

from novel_operator import constants as c
from novel_operator.quantity import InvalidQuantity, parse_quantity


class InvalidSpec(ValueError):
    """The spec cannot be acted on; retrying will not help until it is edited."""


@dataclasses.dataclass(frozen=True)
class SecretRef:
    name: str
    key: str


@dataclasses.dataclass(frozen=True)
class Autoscaling:
    enabled: bool = False
    min_replicas: int = 1
    max_replicas: int = 5
    target_per_worker: int = 10
    # Seconds a scale-down waits for (the HPA's default); 0 scales down at once.
    scale_down_stabilization: int = 300


# Pod fields of spec.scheduling that a component's own scheduling replaces key by key.
SCHEDULING_KEYS = ("nodeSelector", "tolerations", "affinity", "topologySpreadConstraints", "spreadByHostname")
SCHEDULED_COMPONENTS = ("web", "realtime", "worker", "migration")
DEFAULT_METRICS_PORT = 9102


@dataclasses.dataclass(frozen=True)
class NovelToolSpec:
    name: str
    namespace: str
    image: str
    image_pull_policy: str = "IfNotPresent"
    image_pull_secrets: tuple[str, ...] = ()
    web_replicas: int = 2
    web_resources: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    service_type: str = "ClusterIP"
    service_port: int = 80
    realtime_enabled: bool = True
    realtime_replicas: int = 2
    realtime_resources: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    realtime_service_type: str = "ClusterIP"
    realtime_service_port: int = 80
    worker_replicas: int = 1
    worker_resources: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    queue: str = c.DEFAULT_QUEUE
    # KEDA or an HPA owns the worker replicas.
    external_autoscaler: bool = False
    autoscaling: Autoscaling = Autoscaling()
    migration_enabled: bool = True
    migration_backoff_limit: int = 1
    migration_deadline: int = 600
    migration_resources: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    # What to do with an image that left the database at an older revision than it is at.
    on_downgrade: str = "refuse"
    secrets: Mapping[str, SecretRef] = dataclasses.field(default_factory=dict)
    settings: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    production_ini: str | None = None
    # Per component (web, realtime, worker, migration): spec.scheduling with the component's own keys over it.
    scheduling: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    metrics_enabled: bool = False
    metrics_port: int = DEFAULT_METRICS_PORT

    @property
    def broker_secret(self) -> SecretRef:
        """The Secret key holding the broker URL the workers consume from."""
        return self.secrets.get("celeryBrokerUrl") or self.secrets["redisUrl"]


def _int(section: Mapping[str, Any], key: str, default: int, minimum: int = 0) -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidSpec(f"{key} must be an integer >= {minimum}, got {value!r}")
    return value


def _resources(section: Mapping[str, Any], where: str) -> Mapping[str, Any]:
    """The section's resources, each quantity checked: a CRD older than its pattern lets any string through."""
    resources = section.get("resources") or {}
    for kind in ("requests", "limits"):
        for name, value in (resources.get(kind) or {}).items():
            try:
                parse_quantity(value)
            except InvalidQuantity:
                raise InvalidSpec(f"spec.{where}.resources.{kind}.{name} is not a quantity: {value!r}") from None
    return resources


def _scheduling(spec: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    shared = spec.get("scheduling") or {}
    resolved = {}
    for component in SCHEDULED_COMPONENTS:
        own = (spec.get(component) or {}).get("scheduling") or {}
        merged = {
            key: own[key] if key in own else shared[key] for key in SCHEDULING_KEYS if key in own or key in shared
        }
        spread = merged.get("spreadByHostname", True)
        if not isinstance(spread, bool):
            raise InvalidSpec(f"spec.{component}.scheduling.spreadByHostname must be a boolean")
        for key, kind in (("nodeSelector", Mapping), ("affinity", Mapping), ("tolerations", list)):
            if merged.get(key) is not None and not isinstance(merged[key], kind):
                raise InvalidSpec(f"spec.{component}.scheduling.{key} has the wrong type")
        constraints = merged.get("topologySpreadConstraints")
        if constraints is not None and not (
            isinstance(constraints, list) and all(isinstance(item, Mapping) for item in constraints)
        ):
            raise InvalidSpec(f"spec.{component}.scheduling.topologySpreadConstraints must be a list of objects")
        resolved[component] = merged
    return resolved


def parse_spec(name: str, namespace: str, spec: Mapping[str, Any]) -> NovelToolSpec:
    """Read a NovelTool spec; raise :class:`InvalidSpec` for what the schema may have let through."""
    image = spec.get("image")
    if not isinstance(image, str) or not image:
        raise InvalidSpec("spec.image is required")

    web = spec.get("web") or {}
    worker = spec.get("worker") or {}
    realtime = spec.get("realtime") or {}
    scaling = worker.get("autoscaling") or {}
    migration = spec.get("migration") or {}
    metrics = spec.get("metrics") or {}

    autoscaling = Autoscaling(
        enabled=bool(scaling.get("enabled", False)),
        min_replicas=_int(scaling, "minReplicas", 1),
        max_replicas=_int(scaling, "maxReplicas", 5, minimum=1),
        target_per_worker=_int(scaling, "targetQueueLengthPerWorker", 10, minimum=1),
        scale_down_stabilization=_int(scaling, "scaleDownStabilizationSeconds", 300),
    )
    if autoscaling.min_replicas > autoscaling.max_replicas:
        raise InvalidSpec("worker.autoscaling.minReplicas must not exceed maxReplicas")

    raw_secrets = spec.get("secrets") or {}
    missing = [key for key in c.REQUIRED_SECRETS if key not in raw_secrets]
    if missing:
        raise InvalidSpec(f"spec.secrets is missing {', '.join(missing)}")
    secrets = {}
    for key, ref in raw_secrets.items():
        if key not in c.SECRET_ENV:
            raise InvalidSpec(f"spec.secrets.{key} is not a known secret")
        if not isinstance(ref, Mapping) or not ref.get("name") or not ref.get("key"):
            raise InvalidSpec(f"spec.secrets.{key} needs a name and a key")
        secrets[key] = SecretRef(name=ref["name"], key=ref["key"])

    raw_settings = dict(spec.get("settings") or {})
    production_ini = raw_settings.pop("productionIni", None)
    unknown = sorted(set(raw_settings) - set(c.SETTINGS_ENV))
    if unknown:
        raise InvalidSpec(f"spec.settings has unknown keys: {', '.join(unknown)}")

    external = bool(worker.get("externalAutoscaler", False))
    if external and autoscaling.enabled:
        raise InvalidSpec("spec.worker.externalAutoscaler and spec.worker.autoscaling.enabled exclude each other")
    metrics_port = _int(metrics, "port", DEFAULT_METRICS_PORT, minimum=1)
    if metrics_port > 65535 or metrics_port in (c.WEB_PORT, c.REALTIME_PORT):
        raise InvalidSpec(f"spec.metrics.port must be a free port up to 65535, not {metrics_port}")
    on_downgrade = migration.get("onDowngrade", "refuse")
    if on_downgrade not in c.ON_DOWNGRADE:
        raise InvalidSpec(f"spec.migration.onDowngrade must be one of {', '.join(c.ON_DOWNGRADE)}")

    return NovelToolSpec(
        name=name,
        namespace=namespace,
        image=image,
        image_pull_policy=spec.get("imagePullPolicy", "IfNotPresent"),
        image_pull_secrets=tuple(s["name"] for s in spec.get("imagePullSecrets") or ()),
        web_replicas=_int(web, "replicas", 2),
        web_resources=_resources(web, "web"),
        service_type=web.get("serviceType", "ClusterIP"),
        service_port=_int(web, "servicePort", 80, minimum=1),
        realtime_enabled=bool(realtime.get("enabled", True)),
        realtime_replicas=_int(realtime, "replicas", 2),
        realtime_resources=_resources(realtime, "realtime"),
        realtime_service_type=realtime.get("serviceType", "ClusterIP"),
        realtime_service_port=_int(realtime, "servicePort", 80, minimum=1),
        worker_replicas=_int(worker, "replicas", 1),
        worker_resources=_resources(worker, "worker"),
        queue=worker.get("queue") or c.DEFAULT_QUEUE,
        external_autoscaler=external,
        autoscaling=autoscaling,
        migration_enabled=bool(migration.get("enabled", True)),
        migration_backoff_limit=_int(migration, "backoffLimit", 1),
        migration_deadline=_int(migration, "activeDeadlineSeconds", 600, minimum=1),
        migration_resources=_resources(migration, "migration"),
        on_downgrade=on_downgrade,
        secrets=secrets,
        settings=raw_settings,
        production_ini=production_ini,
        scheduling=_scheduling(spec),
        metrics_enabled=bool(metrics.get("enabled", False)),
        metrics_port=metrics_port,
    )
