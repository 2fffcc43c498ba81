"""The children carry the NovelTool's labels, but not Helm's own bookkeeping about the NovelTool."""

import re

import pytest

from novel_operator import apply, kube, manifests
from novel_operator import constants as c
from novel_operator.reconcile import reconcile
from novel_operator.spec import parse_spec

from .conftest import NAMESPACE, Cluster, noveltool

# What `helm install novel ...` puts on the NovelTool the chart renders (templates/_helpers.tpl).
HELM_LABELS = {
    "helm.sh/chart": "novel-pyramid-0.1.0",
    "app.kubernetes.io/name": "novel-pyramid",
    "app.kubernetes.io/instance": "novel",
    "app.kubernetes.io/version": "1.0.0",
    "app.kubernetes.io/managed-by": "Helm",
}
HELM_ANNOTATIONS = {"meta.helm.sh/release-name": "novel", "meta.helm.sh/release-namespace": NAMESPACE}


def helm_installed(**labels: str) -> dict:
    body = noveltool(migration={"enabled": False})
    body["metadata"]["labels"] = {**HELM_LABELS, **labels}
    body["metadata"]["annotations"] = dict(HELM_ANNOTATIONS)
    return body


def test_helms_labels_are_not_inherited():
    inherited = apply.inherited_labels(helm_installed(team="books", **{"helm.sh/other": "x"}))
    # The chart's version is not the children's: those running an image say its tag.
    assert inherited == {
        "app.kubernetes.io/name": "novel-pyramid",
        "app.kubernetes.io/instance": "novel",
        "team": "books",
    }


@pytest.mark.parametrize(
    ("image", "version"),
    [
        ("novel-pyramid:1.0", "1.0"),
        ("registry.example:5000/team/novel-pyramid:2.3.1-rc1", "2.3.1-rc1"),
        ("registry.example:5000/novel-pyramid", "latest"),
        ("novel-pyramid@sha256:" + "ab" * 32, "sha256-abababababab"),
        ("novel-pyramid:" + "v" * 100, "v" * 63),
        ("novel-pyramid:_x.", "x"),
    ],
)
def test_the_version_label_is_the_images_and_a_valid_label_value(image, version):
    assert manifests.image_version(image) == version
    assert re.fullmatch(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?", version)


@pytest.mark.asyncio
async def test_children_have_the_noveltools_labels_minus_helms_and_follow_their_removal(k8s: Cluster) -> None:
    body = helm_installed(team="books")
    spec = parse_spec("shop", NAMESPACE, body["spec"])
    client = kube.KubeClient(kube.KubeConfig(server=str(k8s.emulator.url).rstrip("/")))
    children = [
        ("v1/configmaps", "shop-config"),
        ("apps/v1/deployments", "shop-web"),
        ("v1/services", "shop-web"),
        ("apps/v1/deployments", "shop-realtime"),
        ("v1/services", "shop-realtime"),
        ("apps/v1/deployments", "shop-worker"),
    ]
    try:
        await reconcile(client, body, spec)
        for resource, name in children:
            meta = k8s.get(resource, name)["metadata"]
            labels = meta["labels"]
            assert "helm.sh/chart" not in labels, name
            # The operator's own labels win over the owner's: it manages them, not Helm, and
            # each child is its NovelTool's instance, not the release's.
            assert labels["app.kubernetes.io/managed-by"] == c.MANAGED_BY, name
            assert labels["app.kubernetes.io/instance"] == "shop", name
            assert labels["team"] == "books", name
            # What runs an image says its version; the rest says none (the chart's is not theirs).
            runs_image = resource == "apps/v1/deployments"
            assert labels.get("app.kubernetes.io/version") == ("1.0" if runs_image else None), name
            if runs_image:
                template = k8s.get(resource, name)["spec"]["template"]["metadata"]["labels"]
                assert template["app.kubernetes.io/version"] == "1.0", name
            assert not set(meta.get("annotations") or {}) & set(HELM_ANNOTATIONS), name

        # A label removed from the NovelTool goes from the children: it is no longer applied.
        del body["metadata"]["labels"]["team"]
        await reconcile(client, body, spec)
        for resource, name in children:
            assert "team" not in k8s.get(resource, name)["metadata"]["labels"], name
    finally:
        await client.close()


def managed(manager: str, operation: str, fields: dict, **extra: str) -> dict:
    return {"manager": manager, "operation": operation, "apiVersion": "apps/v1", "fieldsType": "FieldsV1",
            "fieldsV1": fields, **extra}  # fmt: skip


OLD_WRITES = managed("Python", "Update", {"f:metadata": {"f:labels": {"f:helm.sh/chart": {}, "f:team": {}}}})
APPLIED = managed(c.FIELD_MANAGER, "Apply", {"f:metadata": {"f:labels": {"f:team": {}}}, "f:spec": {"f:replicas": {}}})
CONTROLLER = managed("kube-controller-manager", "Update", {"f:status": {"f:replicas": {}}}, subresource="status")


def test_the_old_operators_fields_move_to_the_apply():
    upgraded = apply.upgraded_managed_fields([OLD_WRITES, APPLIED, CONTROLLER])
    assert upgraded == [
        {
            **APPLIED,
            "fieldsV1": {
                "f:metadata": {"f:labels": {"f:team": {}, "f:helm.sh/chart": {}}},
                "f:spec": {"f:replicas": {}},
            },
        },
        CONTROLLER,
    ]
    # Nothing to move, or nothing applied yet to move it to.
    assert apply.upgraded_managed_fields([APPLIED, CONTROLLER]) is None
    assert apply.upgraded_managed_fields([OLD_WRITES, CONTROLLER]) is None


@pytest.mark.asyncio
async def test_a_child_made_before_the_operator_applied_is_handed_over_once(k8s: Cluster) -> None:
    body = helm_installed(team="books")
    spec = parse_spec("shop", NAMESPACE, body["spec"])
    # What the API server holds after the operator's first apply to a Deployment an older operator made.
    k8s.emulator.objects["apps/v1/deployments", NAMESPACE, "shop-worker"] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "shop-worker",
            "namespace": NAMESPACE,
            "resourceVersion": "7",
            "labels": {"helm.sh/chart": "novel-pyramid-0.1.0", "team": "books"},
            "managedFields": [OLD_WRITES, APPLIED, CONTROLLER],
        },
    }
    client = kube.KubeClient(kube.KubeConfig(server=str(k8s.emulator.url).rstrip("/")))
    try:
        await apply.ensure(client, manifests.build_worker_deployment(spec, spec.image, 1), body)
        await apply.ensure(client, manifests.build_worker_deployment(spec, spec.image, 1), body)
    finally:
        await client.close()
    json_patches = [
        r for r in list(k8s.emulator) if r.headers.get("Content-Type", "").startswith("application/json-patch")
    ]
    # Once: the second reconciliation finds nothing left to hand over.
    (handover,) = json_patches
    assert handover.data[0] == {"op": "test", "path": "/metadata/resourceVersion", "value": "7"}
    entries = k8s.get("apps/v1/deployments", "shop-worker")["metadata"]["managedFields"]
    assert [e["manager"] for e in entries] == [c.FIELD_MANAGER, "kube-controller-manager"]
    assert "f:helm.sh/chart" in entries[0]["fieldsV1"]["f:metadata"]["f:labels"]
