"""The CRD: valid for the API server, shipped unchanged in the chart, and validating NovelTools."""

import copy
import pathlib

import jsonschema
import pytest
import yaml

from novel_operator import constants as c
from novel_operator.crd import build_crd, render_yaml
from novel_operator.scaling import Recommendation, dump_recommendations

from .conftest import noveltool
from .helpers import validate_k8s, validate_noveltool

CHART_CRD = (
    pathlib.Path(__file__).parents[2] / "helm" / "novel-pyramid" / "crds" / "noveltools.frenchnoveltool.dev.yaml"
)


def test_the_crd_is_a_valid_custom_resource_definition():
    validate_k8s(build_crd())


def test_the_chart_ships_the_generated_crd():
    # Regenerate with: novel-operator-crd > helm/novel-pyramid/crds/noveltools.frenchnoveltool.dev.yaml
    assert CHART_CRD.read_text() == render_yaml()
    assert yaml.safe_load(CHART_CRD.read_text()) == build_crd()


def test_the_schema_is_structural_with_a_status_subresource():
    version = build_crd()["spec"]["versions"][0]
    assert version["subresources"]["status"] == {}
    status = version["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]
    assert {"observedGeneration", "currentImage", "migratedRevision", "conditions"} <= status.keys()
    kinds = status["conditions"]["items"]["properties"]["type"]["enum"]
    assert kinds == ["Ready", "Migrated", "Progressing", "Degraded"]


def test_the_status_schema_accepts_what_the_autoscaler_writes():
    body = noveltool()
    history = [Recommendation(1_800_000_000 + n, 40 - n) for n in range(c.MAX_RECOMMENDATIONS)]
    body["status"] = {"workerReplicas": 4, "queueLength": 0, "workerRecommendations": dump_recommendations(history)}
    validate_noveltool(body)
    body["status"]["workerRecommendations"].append({"time": "2027-01-15T08:00:00.250000Z", "replicas": 1})
    with pytest.raises(jsonschema.ValidationError):
        validate_noveltool(body)


def _without(body, *path):
    body = copy.deepcopy(body)
    target = body
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return body


@pytest.mark.parametrize(
    "bad",
    [
        _without(noveltool(), "spec", "image"),
        _without(noveltool(), "spec", "secrets", "databaseUrl"),
        noveltool(settings={"logLevel": "LOUD"}),
        noveltool(web={"replicas": -1}),
        noveltool(realtime={"replicas": -1}),
        noveltool(realtime={"enabled": "yes"}),
        noveltool(realtime={"serviceType": "ExternalName"}),
        noveltool(worker={"autoscaling": {"maxReplicas": 0}}),
        noveltool(worker={"autoscaling": {"scaleDownStabilizationSeconds": -1}}),
        noveltool(worker={"autoscaling": {"scaleDownStabilizationSeconds": 7200}}),
        noveltool(secrets={"databaseUrl": {"name": "s"}}),
        noveltool(imagePullPolicy="Sometimes"),
        noveltool(web={"resources": {"requests": {"cpu": "lots"}}}),
        noveltool(worker={"resources": {"limits": {"memory": "1 Gi"}}}),
        noveltool(migration={"resources": {"requests": {"memory": "1gb"}}}),
        noveltool(metrics={"port": 8081}),
        noveltool(metrics={"enabled": "yes"}),
        noveltool(scheduling={"nodeSelector": {"pool": 1}}),
        noveltool(web={"scheduling": {"tolerations": [{"operator": "Sometimes"}]}}),
        noveltool(worker={"scheduling": {"topologySpreadConstraints": [{"maxSkew": 0, "topologyKey": "zone"}]}}),
        noveltool(scheduling={"spreadByHostname": "no"}),
    ],
)
def test_the_schema_rejects_bad_resources(bad):
    with pytest.raises(jsonschema.ValidationError):
        validate_noveltool(bad)


def test_the_schema_accepts_a_full_resource():
    validate_noveltool(
        noveltool(
            web={"replicas": 3, "resources": {"limits": {"cpu": "1", "memory": "512Mi"}}, "servicePort": 8080},
            realtime={
                "enabled": True,
                "replicas": 3,
                "resources": {"requests": {"memory": "384Mi"}},
                "servicePort": 81,
            },
            worker={
                "replicas": 2,
                "queue": "celery",
                "autoscaling": {
                    "enabled": True,
                    "minReplicas": 1,
                    "maxReplicas": 8,
                    "targetQueueLengthPerWorker": 4,
                    "scaleDownStabilizationSeconds": 120,
                },
            },
            migration={"enabled": False, "backoffLimit": 0, "activeDeadlineSeconds": 300},
            settings={"productionIni": "[app:main]\n", "normalizer": "gemini", "jwtAccessTokenExpiresHours": 2},
            scheduling={
                "nodeSelector": {"pool": "app"},
                "tolerations": [{"key": "t", "operator": "Equal", "value": "v", "effect": "NoExecute"}],
                "affinity": {"nodeAffinity": {}},
                "spreadByHostname": False,
            },
            metrics={"enabled": True, "port": 9200},
        )
    )


def test_the_scale_subresource_points_at_the_web_replicas():
    version = build_crd()["spec"]["versions"][0]
    scale = version["subresources"]["scale"]
    schema = version["schema"]["openAPIV3Schema"]["properties"]
    assert scale["specReplicasPath"] == ".spec.web.replicas"
    assert schema["spec"]["properties"]["web"]["properties"]["replicas"]["type"] == "integer"
    assert schema["status"]["properties"][scale["statusReplicasPath"].removeprefix(".status.")]["type"] == "integer"
    assert schema["status"]["properties"][scale["labelSelectorPath"].removeprefix(".status.")]["type"] == "string"
