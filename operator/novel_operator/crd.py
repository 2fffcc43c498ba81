"""The NovelTool CustomResourceDefinition, built in one place.

The chart ships a YAML copy in ``helm/novel-pyramid/crds/``; a test checks that
the copy equals what :func:`build_crd` returns, and ``novel-operator-crd``
regenerates it, so the schema has a single source of truth.
"""

import sys

import yaml

from novel_operator import constants as c

# What the API server accepts as a resource quantity (the pattern controller-gen emits for
# resource.Quantity): an invalid one is refused when the NovelTool is written, instead of
# when the Deployment made from it is.
QUANTITY_PATTERN = (
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)
_QUANTITY = {
    "anyOf": [{"type": "integer"}, {"type": "string"}],
    "x-kubernetes-int-or-string": True,
    "pattern": QUANTITY_PATTERN,
}

RESOURCES_SCHEMA = {
    "type": "object",
    "description": "Compute requests and limits of the container (the usual Kubernetes shape).",
    "properties": {
        "requests": {"type": "object", "additionalProperties": _QUANTITY},
        "limits": {"type": "object", "additionalProperties": _QUANTITY},
    },
}


_PRESERVED_OBJECT = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}

# Pod placement, in the Kubernetes shapes (the API server validates them again in the pods' templates).
SCHEDULING_SCHEMA = {
    "type": "object",
    "description": "Placement of the pods. spec.scheduling applies to every component; a component's own "
    "scheduling replaces it key by key.",
    "properties": {
        "nodeSelector": {"type": "object", "additionalProperties": {"type": "string"}},
        "tolerations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "key": {"type": "string"},
                    "operator": {"type": "string", "enum": ["Exists", "Equal"]},
                    "value": {"type": "string"},
                    "effect": {"type": "string", "enum": ["NoSchedule", "PreferNoSchedule", "NoExecute"]},
                    "tolerationSeconds": {"type": "integer"},
                },
            },
        },
        "affinity": {
            **_PRESERVED_OBJECT,
            "description": "The pods' affinity (nodeAffinity, podAffinity, podAntiAffinity), as in a pod spec.",
        },
        "topologySpreadConstraints": {
            "type": "array",
            "description": "Replace the default spread over nodes; a constraint without a labelSelector selects "
            "its component's pods. Not applied to the migration Job.",
            "items": {
                "type": "object",
                "required": ["maxSkew", "topologyKey", "whenUnsatisfiable"],
                "properties": {
                    "maxSkew": {"type": "integer", "minimum": 1},
                    "topologyKey": {"type": "string", "minLength": 1},
                    "whenUnsatisfiable": {"type": "string", "enum": ["DoNotSchedule", "ScheduleAnyway"]},
                    "labelSelector": _PRESERVED_OBJECT,
                    "minDomains": {"type": "integer", "minimum": 1},
                    "matchLabelKeys": {"type": "array", "items": {"type": "string"}},
                    "nodeAffinityPolicy": {"type": "string", "enum": ["Honor", "Ignore"]},
                    "nodeTaintsPolicy": {"type": "string", "enum": ["Honor", "Ignore"]},
                },
            },
        },
        "spreadByHostname": {
            "type": "boolean",
            "description": "Without topologySpreadConstraints, spread the Deployments' pods over nodes "
            "(maxSkew 1, ScheduleAnyway); true unless set false.",
        },
    },
}

METRICS_SCHEMA = {
    "type": "object",
    "default": {},
    "description": "Prometheus metrics: METRICS_PORT and a container port named metrics on the web, realtime "
    "and worker containers (GET /metrics, docs/metrics.md).",
    "properties": {
        "enabled": {"type": "boolean", "default": False},
        "port": {
            "type": "integer",
            "minimum": 1,
            "maximum": 65535,
            "default": 9102,
            "not": {"enum": [c.WEB_PORT, c.REALTIME_PORT]},
        },
    },
}


def _secret_ref(what: str) -> dict:
    return {
        "type": "object",
        "description": f"Key of a Secret in the same namespace that holds {what}.",
        "required": ["name", "key"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 253},
            "key": {"type": "string", "minLength": 1, "maxLength": 253, "pattern": r"^[-._a-zA-Z0-9]+$"},
        },
    }


SECRETS_SCHEMA = {
    "type": "object",
    "description": "Secrets are never copied into the resource: only references to Secret keys.",
    "required": list(c.REQUIRED_SECRETS),
    "properties": {
        "databaseUrl": _secret_ref("the SQLAlchemy database URL (DATABASE_URL)"),
        "redisUrl": _secret_ref("the Redis URL (REDIS_URL), also the Celery broker unless celeryBrokerUrl is set"),
        "celeryBrokerUrl": _secret_ref("a separate Celery broker URL (CELERY_BROKER_URL)"),
        "geminiApiKey": _secret_ref("the Gemini API key (GEMINI_API_KEY)"),
        "jwtSecretKey": _secret_ref("the JWT signing key (JWT_SECRET_KEY)"),
        "secretKey": _secret_ref("the session secret (SECRET_KEY)"),
        "googleClientId": _secret_ref("the Google OAuth client id (GOOGLE_CLIENT_ID)"),
        "googleClientSecret": _secret_ref("the Google OAuth client secret (GOOGLE_CLIENT_SECRET)"),
    },
}

SETTINGS_SCHEMA = {
    "type": "object",
    "description": "Non-secret production settings, written to the ConfigMap the pods read.",
    "properties": {
        "geminiModel": {"type": "string", "description": "GEMINI_MODEL"},
        "geminiBaseUrl": {"type": "string", "description": "GEMINI_BASE_URL"},
        "normalizer": {"type": "string", "description": "NOVEL_NORMALIZER: the normaliser backend name"},
        "jwtAccessTokenExpiresHours": {"type": "integer", "minimum": 1},
        "jwtRefreshTokenExpiresDays": {"type": "integer", "minimum": 1},
        "googleCertsUrl": {"type": "string"},
        "googleTokenUrl": {"type": "string"},
        "googleApiEndpoint": {"type": "string"},
        "corsOrigins": {"type": "string", "description": "CORS_ORIGINS: comma-separated origins"},
        "maxFileSize": {"type": "integer", "minimum": 1, "description": "MAX_FILE_SIZE in bytes"},
        "ratelimitEnabled": {"type": "boolean"},
        "logLevel": {"type": "string", "enum": ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]},
        "logFormat": {"type": "string", "enum": ["json", "text"]},
        "productionIni": {
            "type": "string",
            "description": "A whole production.ini replacing the one in the image (mounted from the ConfigMap).",
        },
    },
}

AUTOSCALING_SCHEMA = {
    "type": "object",
    "description": "Scale the workers on the length of the Celery queue in Redis.",
    "properties": {
        "enabled": {"type": "boolean", "default": False},
        "minReplicas": {"type": "integer", "minimum": 0, "default": 1},
        "maxReplicas": {"type": "integer", "minimum": 1, "default": 5},
        "targetQueueLengthPerWorker": {"type": "integer", "minimum": 1, "default": 10},
        "scaleDownStabilizationSeconds": {
            "type": "integer",
            "minimum": 0,
            "maximum": 3600,
            "default": 300,
            "description": "Scale down only to the highest count recommended over this many seconds "
            "(as the HPA's stabilization window); scale-ups are immediate. 0 scales down at once.",
        },
    },
    "x-kubernetes-validations": [
        {"rule": "self.minReplicas <= self.maxReplicas", "message": "minReplicas must not exceed maxReplicas"},
    ],
}


SPEC_SCHEMA = {
    "type": "object",
    "required": ["image", "secrets"],
    "properties": {
        "image": {
            "type": "string",
            "minLength": 1,
            "description": "The novel_pyramid image (web, realtime, worker, migration).",
        },
        "imagePullPolicy": {"type": "string", "enum": ["Always", "IfNotPresent", "Never"], "default": "IfNotPresent"},
        "imagePullSecrets": {
            "type": "array",
            "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
        },
        "web": {
            "type": "object",
            "default": {},
            "properties": {
                "replicas": {"type": "integer", "minimum": 0, "default": 2},
                "resources": RESOURCES_SCHEMA,
                "scheduling": SCHEDULING_SCHEMA,
                "serviceType": {
                    "type": "string",
                    "enum": ["ClusterIP", "NodePort", "LoadBalancer"],
                    "default": "ClusterIP",
                },
                "servicePort": {"type": "integer", "minimum": 1, "maximum": 65535, "default": 80},
            },
        },
        "realtime": {
            "type": "object",
            "default": {},
            "description": "The realtime process (`pserve production.ini --server-name realtime`): Socket.IO at "
            "/socket.io/ and the v2 event streams. Progress reaches every replica through Redis, and clients use "
            "the WebSocket transport only, so any number of replicas works without sticky sessions.",
            "properties": {
                "enabled": {
                    "type": "boolean",
                    "default": True,
                    "description": "Disabling it deletes the realtime Deployment and Service.",
                },
                "replicas": {"type": "integer", "minimum": 0, "default": 2},
                "resources": RESOURCES_SCHEMA,
                "scheduling": SCHEDULING_SCHEMA,
                "serviceType": {
                    "type": "string",
                    "enum": ["ClusterIP", "NodePort", "LoadBalancer"],
                    "default": "ClusterIP",
                },
                "servicePort": {"type": "integer", "minimum": 1, "maximum": 65535, "default": 80},
            },
        },
        "worker": {
            "type": "object",
            "default": {},
            "properties": {
                "replicas": {
                    "type": "integer",
                    "minimum": 0,
                    "default": 1,
                    "description": "Used when autoscaling is disabled.",
                },
                "queue": {
                    "type": "string",
                    "minLength": 1,
                    "default": c.DEFAULT_QUEUE,
                    "description": "The Redis list Celery queues tasks on (LLEN gives its length).",
                },
                "resources": RESOURCES_SCHEMA,
                "scheduling": SCHEDULING_SCHEMA,
                "autoscaling": AUTOSCALING_SCHEMA,
                "externalAutoscaler": {
                    "type": "boolean",
                    "default": False,
                    "description": "Another autoscaler (KEDA's ScaledObject, an HPA) owns the worker Deployment's "
                    "replicas: the operator never sets them (and autoscaling must be off).",
                },
            },
        },
        "migration": {
            "type": "object",
            "default": {},
            "properties": {
                "enabled": {
                    "type": "boolean",
                    "default": True,
                    "description": "Run `alembic upgrade head` before rolling a new image (disable to roll back).",
                },
                "backoffLimit": {"type": "integer", "minimum": 0, "default": 1},
                "activeDeadlineSeconds": {"type": "integer", "minimum": 1, "default": 600},
                "resources": RESOURCES_SCHEMA,
                "scheduling": SCHEDULING_SCHEMA,
                "onDowngrade": {
                    "type": "string",
                    "enum": list(c.ON_DOWNGRADE),
                    "default": "refuse",
                    "description": "When spec.image is an image that left the database at an older revision "
                    "than it is at now (a rollback): refuse (Degraded/RollbackRefused, the current version keeps "
                    "serving), downgrade (Alembic's downgrade to that image's revision, run by the newer image, "
                    "then roll), or allowNewerSchema (roll without touching the schema, for migrations written "
                    "to keep the previous release's code working).",
                },
            },
        },
        "scheduling": SCHEDULING_SCHEMA,
        "metrics": METRICS_SCHEMA,
        "secrets": SECRETS_SCHEMA,
        "settings": SETTINGS_SCHEMA,
    },
}

CONDITION_SCHEMA = {
    "type": "object",
    "required": ["type", "status"],
    "properties": {
        "type": {"type": "string", "enum": ["Ready", "Migrated", "Progressing", "Degraded"]},
        "status": {"type": "string", "enum": ["True", "False", "Unknown"]},
        "reason": {"type": "string"},
        "message": {"type": "string"},
        "lastTransitionTime": {"type": "string", "format": "date-time"},
        "observedGeneration": {"type": "integer"},
    },
}

STATUS_SCHEMA = {
    "type": "object",
    "properties": {
        "observedGeneration": {"type": "integer"},
        "currentImage": {"type": "string", "description": "The image the Deployments run."},
        "migratedImage": {"type": "string", "description": "The last image whose migration succeeded."},
        "migratedRevision": {"type": "string", "description": "The Alembic revision after the last migration."},
        "migrationJob": {
            "type": "object",
            "description": "The migration pass under way (or failed): its Job, image and revisions.",
            "properties": {
                "name": {"type": "string"},
                "image": {"type": "string"},
                "fromRevision": {"type": "string"},
                "downgradeTo": {"type": "string"},
            },
        },
        "migrationHistory": {
            "type": "array",
            "description": "The images migrated last and the revision each left the database at (most recent "
            "last): how a rollback to an older image is recognised.",
            "maxItems": c.MAX_MIGRATION_HISTORY,
            "items": {
                "type": "object",
                "required": ["image", "revision"],
                "properties": {"image": {"type": "string"}, "revision": {"type": "string"}},
            },
        },
        "webReplicas": {"type": "integer", "description": "Web pods running (the scale subresource's status)."},
        "webSelector": {"type": "string", "description": "Label selector of the web pods (for the HPA)."},
        "workerReplicas": {"type": "integer", "description": "Worker replicas last chosen by the operator."},
        "queueLength": {"type": "integer", "description": "Queue length seen at the last scaling decision."},
        "workerRecommendations": {
            "type": "array",
            "description": "Worker counts recommended within the scale-down stabilization window "
            "(only those that can still hold a scale-down).",
            "maxItems": c.MAX_RECOMMENDATIONS,
            "items": {
                "type": "object",
                "required": ["time", "replicas"],
                "properties": {
                    "time": {"type": "string", "format": "date-time"},
                    "replicas": {"type": "integer", "minimum": 0},
                },
            },
        },
        "conditions": {
            "type": "array",
            "items": CONDITION_SCHEMA,
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["type"],
        },
    },
}


def build_crd() -> dict:
    """Return the CustomResourceDefinition manifest for NovelTool."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": c.CRD_NAME,
            "annotations": {c.CRD_SCHEMA_ANNOTATION: str(c.CRD_SCHEMA_GENERATION)},
        },
        "spec": {
            "group": c.GROUP,
            "scope": "Namespaced",
            "names": {
                "kind": c.KIND,
                "plural": c.PLURAL,
                "singular": c.SINGULAR,
                "shortNames": list(c.SHORT_NAMES),
            },
            "versions": [
                {
                    "name": c.VERSION,
                    "served": True,
                    "storage": True,
                    # `kubectl scale noveltool`, an HPA or KEDA scale the web Deployment.
                    "subresources": {
                        "status": {},
                        "scale": {
                            "specReplicasPath": ".spec.web.replicas",
                            "statusReplicasPath": ".status.webReplicas",
                            "labelSelectorPath": ".status.webSelector",
                        },
                    },
                    "additionalPrinterColumns": [
                        {"name": "Image", "type": "string", "jsonPath": ".status.currentImage"},
                        {"name": "Revision", "type": "string", "jsonPath": ".status.migratedRevision"},
                        {
                            "name": "Ready",
                            "type": "string",
                            "jsonPath": ".status.conditions[?(@.type=='Ready')].status",
                        },
                        {"name": "Workers", "type": "integer", "jsonPath": ".status.workerReplicas"},
                        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                    ],
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "required": ["spec"],
                            "properties": {
                                "apiVersion": {"type": "string"},
                                "kind": {"type": "string"},
                                "metadata": {"type": "object"},
                                "spec": SPEC_SCHEMA,
                                "status": STATUS_SCHEMA,
                            },
                            # Child names get suffixes such as "-migrate-0123abcd";
                            # this keeps them within the 63-character limit.
                            "x-kubernetes-validations": [
                                {
                                    "rule": "self.metadata.name.size() <= 40",
                                    "message": "metadata.name must be at most 40 characters",
                                },
                            ],
                        },
                    },
                },
            ],
        },
    }


def schema_generation(crd: dict | None) -> int:
    """The schema generation a CRD in the cluster says it has (1 before the annotation existed)."""
    annotations = ((crd or {}).get("metadata") or {}).get("annotations") or {}
    try:
        return int(annotations.get(c.CRD_SCHEMA_ANNOTATION, 1))
    except ValueError:
        return 1


def render_yaml() -> str:
    header = "# Generated by `novel-operator-crd` from operator/novel_operator/crd.py: do not edit by hand.\n"
    return header + yaml.safe_dump(build_crd(), sort_keys=False, width=120)


def main() -> None:
    sys.stdout.write(render_yaml())
