"""Pure builders of every child manifest of a NovelTool.

Nothing here talks to a cluster: each ``build_*`` takes the parsed spec (and
whatever was decided, such as the image or the worker count) and returns a
plain dict, so the builders are unit-tested and schema-validated offline.
Owner references are added by the handlers (``kopf.adopt``), not here.
"""

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from novel_operator import constants as c
from novel_operator.spec import NovelToolSpec

# A fixed non-root id; the Dockerfile creates the same user.
APP_UID = 10001
METRICS_ENV = "METRICS_PORT"
HOSTNAME_TOPOLOGY_KEY = "kubernetes.io/hostname"


def web_name(spec: NovelToolSpec) -> str:
    return f"{spec.name}-web"


def realtime_name(spec: NovelToolSpec) -> str:
    return f"{spec.name}-realtime"


def worker_name(spec: NovelToolSpec) -> str:
    return f"{spec.name}-worker"


def config_name(spec: NovelToolSpec) -> str:
    return f"{spec.name}-config"


def migration_job_name(
    spec: NovelToolSpec, image: str, from_revision: str = "", downgrade_to: str | None = None, generation: int = 0
) -> str:
    """The Job of one migration pass: its image, the revision it starts from and goes to, and the
    generation of the NovelTool that started it.

    Jobs are kept for a week, and the same image from the same revision can
    come back (forward, down, forward again): the generation makes each pass a
    Job of its own, so none reports the success of an older one. The status
    records the pass under way, so that spec edits while it runs keep its Job.
    """
    key = "\0".join((image, from_revision, downgrade_to or "", str(generation)))
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    return f"{spec.name}-{'downgrade' if downgrade_to else 'migrate'}-{digest}"


def image_version(image: str) -> str:
    """The ``app.kubernetes.io/version`` of what runs an image: its tag, or its digest's start (a valid label)."""
    name, _, digest = image.partition("@")
    if digest:
        return digest.replace(":", "-")[:19]  # sha256-<12 hex digits>
    tag = name.rsplit("/", 1)[-1].partition(":")[2] or "latest"
    return tag[:63].strip("-_.") or "latest"


def labels(spec: NovelToolSpec, component: str, image: str | None = None) -> dict[str, str]:
    """The operator's labels of a child; those that run ``image`` say its version."""
    found = {
        "app.kubernetes.io/name": c.APP_NAME,
        "app.kubernetes.io/instance": spec.name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": c.MANAGED_BY,
    }
    if image is not None:
        found[c.VERSION_LABEL] = image_version(image)
    return found


def selector(spec: NovelToolSpec, component: str) -> dict[str, str]:
    # The selector is immutable on a Deployment, so it holds only labels that never change.
    return {
        "app.kubernetes.io/name": c.APP_NAME,
        "app.kubernetes.io/instance": spec.name,
        "app.kubernetes.io/component": component,
    }


def _metadata(spec: NovelToolSpec, name: str, component: str, image: str | None = None) -> dict[str, Any]:
    return {"name": name, "namespace": spec.namespace, "labels": labels(spec, component, image)}


def _stringify(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def config_data(spec: NovelToolSpec) -> dict[str, str]:
    """The ConfigMap's data: the non-secret environment, and the INI if one is given."""
    data = {c.SETTINGS_ENV[key]: _stringify(value) for key, value in sorted(spec.settings.items())}
    if spec.production_ini is not None:
        data["NOVEL_PYRAMID_INI"] = c.CUSTOM_INI
        data["production.ini"] = spec.production_ini
    else:
        data["NOVEL_PYRAMID_INI"] = c.DEFAULT_INI
    return data


def config_checksum(spec: NovelToolSpec) -> str:
    return hashlib.sha256(json.dumps(config_data(spec), sort_keys=True).encode()).hexdigest()


def build_configmap(spec: NovelToolSpec) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(spec, config_name(spec), "config"),
        "data": config_data(spec),
    }


def _metrics_env(spec: NovelToolSpec) -> list[dict[str, Any]]:
    return [{"name": METRICS_ENV, "value": str(spec.metrics_port)}] if spec.metrics_enabled else []


def _metrics_ports(spec: NovelToolSpec) -> list[dict[str, Any]]:
    """The port /metrics is served on (docs/metrics.md), named for the ServiceMonitor and NetworkPolicies."""
    if not spec.metrics_enabled:
        return []
    return [{"name": "metrics", "containerPort": spec.metrics_port, "protocol": "TCP"}]


def scheduling(spec: NovelToolSpec, component: str, *, spread: bool) -> dict[str, Any]:
    """Pod fields placing one component's pods: node selector, tolerations, affinity, topology spread.

    Without constraints of its own, a Deployment's pods are spread softly over nodes (ScheduleAnyway:
    never unschedulable) whatever the replica count, so an autoscaler crossing one replica does not
    change the pod template and roll the pods. A constraint without a labelSelector gets the component's.
    """
    own = spec.scheduling.get(component) or {}
    fields: dict[str, Any] = {}
    for key in ("nodeSelector", "tolerations", "affinity"):
        if own.get(key):
            fields[key] = own[key]
    if not spread:
        return fields
    match = {"matchLabels": selector(spec, component)}
    constraints = [
        {**constraint} if "labelSelector" in constraint else {**constraint, "labelSelector": match}
        for constraint in own.get("topologySpreadConstraints") or ()
    ]
    if not constraints and own.get("spreadByHostname", True):
        constraints = [
            {
                "maxSkew": 1,
                "topologyKey": HOSTNAME_TOPOLOGY_KEY,
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": match,
            }
        ]
    if constraints:
        fields["topologySpreadConstraints"] = constraints
    return fields


def _secret_env(spec: NovelToolSpec) -> list[dict[str, Any]]:
    env = []
    for key, variable in c.SECRET_ENV.items():
        ref = spec.secrets.get(key)
        if key == "celeryBrokerUrl" and ref is None:
            # Celery's broker is the app's Redis unless a separate one is given.
            ref = spec.secrets["redisUrl"]
        if ref is None:
            continue
        env.append({"name": variable, "valueFrom": {"secretKeyRef": {"name": ref.name, "key": ref.key}}})
    return env


def _container_security() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }


def _pod_security() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": APP_UID,
        "runAsGroup": APP_UID,
        "fsGroup": APP_UID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def _volumes(spec: NovelToolSpec) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Volumes and mounts: a writable /tmp (the root filesystem is read-only) and the INI if given."""
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {}}]
    mounts: list[dict[str, Any]] = [{"name": "tmp", "mountPath": "/tmp"}]
    if spec.production_ini is not None:
        volumes.append(
            {
                "name": "config",
                "configMap": {
                    "name": config_name(spec),
                    "items": [{"key": "production.ini", "path": "production.ini"}],
                },
            }
        )
        mounts.append({"name": "config", "mountPath": c.CUSTOM_INI_DIR, "readOnly": True})
    return volumes, mounts


def _ini_path(spec: NovelToolSpec) -> str:
    return c.CUSTOM_INI if spec.production_ini is not None else c.DEFAULT_INI


def _container(
    spec: NovelToolSpec, *, name: str, image: str, command: list[str], resources: Mapping[str, Any]
) -> dict[str, Any]:
    _, mounts = _volumes(spec)
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": spec.image_pull_policy,
        "command": command,
        "envFrom": [{"configMapRef": {"name": config_name(spec)}}],
        "env": _secret_env(spec),
        "resources": dict(resources),
        "securityContext": _container_security(),
        "volumeMounts": mounts,
    }


def _pod_spec(spec: NovelToolSpec, containers: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    volumes, _ = _volumes(spec)
    pod: dict[str, Any] = {
        # The app never talks to the Kubernetes API: no token in its pods.
        "automountServiceAccountToken": False,
        "securityContext": _pod_security(),
        "containers": containers,
        "volumes": volumes,
        **extra,
    }
    if spec.image_pull_secrets:
        pod["imagePullSecrets"] = [{"name": name} for name in spec.image_pull_secrets]
    return pod


def _pod_template(spec: NovelToolSpec, component: str, image: str, pod: dict[str, Any]) -> dict[str, Any]:
    return {
        "metadata": {
            "labels": labels(spec, component, image),
            "annotations": {c.CONFIG_CHECKSUM_ANNOTATION: config_checksum(spec)},
        },
        "spec": pod,
    }


def _serving_deployment(
    spec: NovelToolSpec,
    component: str,
    *,
    image: str,
    command: list[str],
    port: int,
    replicas: int,
    resources: Mapping[str, Any],
) -> dict[str, Any]:
    """A Deployment of pods serving HTTP on ``port`` (web, realtime), probed on the health paths."""
    container = _container(spec, name=component, image=image, command=command, resources=resources)
    container["env"] += _metrics_env(spec)
    container["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}, *_metrics_ports(spec)]
    container["readinessProbe"] = {
        "httpGet": {"path": c.READINESS_PATH, "port": "http"},
        "periodSeconds": 10,
        "timeoutSeconds": 5,
        "failureThreshold": 3,
    }
    container["livenessProbe"] = {
        "httpGet": {"path": c.LIVENESS_PATH, "port": "http"},
        "initialDelaySeconds": 10,
        "periodSeconds": 20,
        "timeoutSeconds": 5,
        "failureThreshold": 3,
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(spec, f"{spec.name}-{component}", component, image),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": selector(spec, component)},
            # Never go below the wanted capacity while rolling a new image.
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "25%"}},
            "template": _pod_template(
                spec, component, image, _pod_spec(spec, [container], **scheduling(spec, component, spread=True))
            ),
        },
    }


def _service(spec: NovelToolSpec, component: str, service_type: str, port: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(spec, f"{spec.name}-{component}", component),
        "spec": {
            "type": service_type,
            "selector": selector(spec, component),
            "ports": [{"name": "http", "port": port, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def build_web_deployment(spec: NovelToolSpec, image: str) -> dict[str, Any]:
    return _serving_deployment(
        spec,
        "web",
        image=image,
        command=[*c.WEB_COMMAND, _ini_path(spec)],
        port=c.WEB_PORT,
        replicas=spec.web_replicas,
        resources=spec.web_resources,
    )


def build_web_service(spec: NovelToolSpec) -> dict[str, Any]:
    return _service(spec, "web", spec.service_type, spec.service_port)


def build_realtime_deployment(spec: NovelToolSpec, image: str) -> dict[str, Any]:
    """The realtime process: the same image and INI as the web, its `[server:realtime]` section.

    The health paths answer there too (the ASGI composition hands every path
    but /socket.io/ to the Pyramid application), so its probes are the web's;
    readiness includes Redis, through which the workers' progress arrives.
    """
    return _serving_deployment(
        spec,
        "realtime",
        image=image,
        command=[*c.WEB_COMMAND, _ini_path(spec), *c.REALTIME_SERVER_ARGS],
        port=c.REALTIME_PORT,
        replicas=spec.realtime_replicas,
        resources=spec.realtime_resources,
    )


def build_realtime_service(spec: NovelToolSpec) -> dict[str, Any]:
    return _service(spec, "realtime", spec.realtime_service_type, spec.realtime_service_port)


def web_selector(spec: NovelToolSpec) -> str:
    """The web pods' selector as a string: the scale subresource's labelSelectorPath points at it."""
    return ",".join(f"{key}={value}" for key, value in selector(spec, "web").items())


def build_worker_deployment(spec: NovelToolSpec, image: str, replicas: int | None) -> dict[str, Any]:
    """``replicas`` None leaves them to whoever owns them (KEDA, an HPA): the manifest does not name them."""
    # No probes: Celery serves no HTTP, and a `celery inspect ping` probe would
    # restart every worker at once whenever the broker blips.
    container = _container(
        spec, name="worker", image=image, command=list(c.WORKER_COMMAND), resources=spec.worker_resources
    )
    container["env"] += _metrics_env(spec)
    if spec.metrics_enabled:
        container["ports"] = _metrics_ports(spec)
    pod = _pod_spec(
        spec,
        [container],
        terminationGracePeriodSeconds=120,  # let running tasks finish
        **scheduling(spec, "worker", spread=True),
    )
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(spec, worker_name(spec), "worker", image),
        "spec": {
            **({} if replicas is None else {"replicas": replicas}),
            "selector": {"matchLabels": selector(spec, "worker")},
            "template": _pod_template(spec, "worker", image, pod),
        },
    }


def build_migration_job(
    spec: NovelToolSpec,
    image: str,
    from_revision: str = "",
    downgrade_to: str | None = None,
    *,
    name: str | None = None,
) -> dict[str, Any]:
    """``db upgrade`` by ``image``; with ``downgrade_to``, Alembic's downgrade to that revision instead
    (run by the newer image, the one that knows both revisions)."""
    command = list(c.MIGRATION_COMMAND)
    if downgrade_to:
        command = ["python", "-c", c.DOWNGRADE_SCRIPT, downgrade_to]
    container = _container(
        spec,
        name=c.MIGRATION_CONTAINER,
        image=image,
        command=command,
        resources=spec.migration_resources,
    )
    # The revision written by the command becomes the container's `terminated.message`.
    container["terminationMessagePolicy"] = "File"
    pod = _pod_spec(spec, [container], restartPolicy="Never", **scheduling(spec, "migration", spread=False))
    job_labels = labels(spec, "migration", image)
    annotations = {c.MIGRATION_IMAGE_ANNOTATION: image, c.MIGRATION_FROM_ANNOTATION: from_revision}
    if downgrade_to:
        annotations[c.MIGRATION_TARGET_ANNOTATION] = downgrade_to
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name or migration_job_name(spec, image, from_revision, downgrade_to),
            "namespace": spec.namespace,
            "labels": job_labels,
            "annotations": annotations,
        },
        "spec": {
            "backoffLimit": spec.migration_backoff_limit,
            "activeDeadlineSeconds": spec.migration_deadline,
            # Kept a week for inspection; the operator records the outcome in status.
            "ttlSecondsAfterFinished": 7 * 24 * 3600,
            "template": {"metadata": {"labels": job_labels}, "spec": pod},
        },
    }
