"""Validation against the Kubernetes API schemas (offline, from kubernetes-validate)."""

from typing import Any

import jsonschema
import kubernetes_validate

from novel_operator.crd import build_crd

# Every manifest (the chart's, the operator's children) is validated strictly against each of these.
KUBERNETES_VERSIONS = ("1.29", "1.30", "1.31")


def validate_k8s(manifest: dict[str, Any]) -> None:
    """Strict validation (unknown fields are errors, as with `kubectl apply --validate=strict`), in each version."""
    for version in KUBERNETES_VERSIONS:
        kubernetes_validate.validate(manifest, version, strict=True)


def validate_noveltool(manifest: dict[str, Any]) -> None:
    """Validate a NovelTool against the CRD's openAPIV3Schema (x-kubernetes-* keys are ignored)."""
    schema = build_crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    jsonschema.validate(manifest, schema, cls=jsonschema.Draft7Validator)
    scaling = manifest["spec"].get("worker", {}).get("autoscaling", {})
    # The CEL rule in the CRD, which jsonschema cannot evaluate.
    if scaling:
        assert scaling.get("minReplicas", 1) <= scaling.get("maxReplicas", 5), "minReplicas > maxReplicas"
