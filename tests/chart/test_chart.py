"""The chart: linted and rendered by real Helm for the defaults and every documented switch,
and every rendered manifest validated against the Kubernetes API schemas or the CRD schema."""

import json
import re

import helm_python
import jsonschema
import kubernetes_validate
import pytest
import yaml

from novel_operator import manifests
from novel_operator.crd import build_crd
from novel_operator.spec import parse_spec
from tests.operator.helpers import KUBERNETES_VERSIONS, validate_k8s

from .conftest import CHART, NAMESPACE, notes, render

INGRESS = {
    "enabled": True,
    "className": "nginx",
    "hosts": ["novels.example", "www.novels.example"],
    "tls": [{"secretName": "novels-tls", "hosts": ["novels.example"]}],
    "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt"},
}

SWITCHES = {
    "defaults": {},
    "direct": {"mode": "direct"},
    "direct-without-migration": {"mode": "direct", "app": {"migration": {"enabled": False}}},
    "direct-with-ini": {"mode": "direct", "app": {"productionIni": "[app:main]\nuse = egg:novel_pyramid\n"}},
    "cluster-wide": {"operator": {"clusterWide": True}},
    "watch-namespaces": {"operator": {"watchNamespaces": ["books", "magazines"]}},
    "no-rbac": {"rbac": {"create": False}},
    "existing-service-account": {"serviceAccount": {"create": False, "name": "ops"}},
    "no-noveltool": {"app": {"create": False}},
    "keda": {"keda": {"enabled": True}},
    "direct-keda-with-password": {
        "mode": "direct",
        "keda": {"enabled": True, "minReplicaCount": 0, "redis": {"address": "redis.data:6380", "passwordKey": "PW"}},
    },
    "crd-unmanaged": {"operator": {"manageCRD": False, "secretNames": ["other-secrets"]}},
    "rollback-allowed": {"app": {"migration": {"onDowngrade": "allowNewerSchema"}}},
    "autoscaling": {
        "app": {"worker": {"autoscaling": {"enabled": True, "maxReplicas": 8, "scaleDownStabilizationSeconds": 60}}}
    },
    "all-secrets-and-settings": {
        "imagePullSecrets": [{"name": "registry"}],
        "app": {
            "name": "shop",
            "secretKeys": {"celeryBrokerUrl": "BROKER", "googleClientId": "GID", "googleClientSecret": "GSECRET"},
            "settings": {
                "geminiModel": "gemini-2.5-flash",
                "ratelimitEnabled": True,
                "maxFileSize": 10485760,
                "corsOrigins": "https://novels.example",
            },
            "productionIni": "[app:main]\n",
        },
    },
    "verbose-operator": {"operator": {"verbose": True, "timerInterval": 5, "nodeSelector": {"pool": "ops"}}},
    "realtime-off": {"app": {"realtime": {"enabled": False}}},
    "direct-realtime-off": {"mode": "direct", "app": {"realtime": {"enabled": False}}},
    "realtime-scaled": {
        "app": {"realtime": {"replicas": 6, "resources": {"limits": {"memory": "2Gi"}}, "service": {"port": 8081}}}
    },
    "ingress": {"ingress": INGRESS},
    "direct-ingress": {"mode": "direct", "ingress": INGRESS},
    "single-ingress": {"ingress": {**INGRESS, "single": True}},
    "ingress-without-realtime": {
        "mode": "direct",
        "ingress": {"enabled": True},
        "app": {"realtime": {"enabled": False}},
    },
}

DIGEST = "sha256:" + "ab" * 32
SCHEDULING = {
    "scheduling": {
        "nodeSelector": {"pool": "app"},
        "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "novels", "effect": "NoSchedule"}],
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "arch", "operator": "In", "values": ["amd64"]}]}
                    ]
                }
            }
        },
    },
    # The worker's own keys replace the shared ones, key by key.
    "worker": {"scheduling": {"nodeSelector": {"pool": "batch"}, "spreadByHostname": False}},
    "realtime": {
        "scheduling": {
            "topologySpreadConstraints": [
                {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule"}
            ]
        }
    },
    "migration": {"scheduling": {"tolerations": []}},
}
NETWORK_POLICY = {
    "enabled": True,
    "database": {"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}]},
    "redis": {"port": 6380, "to": [{"podSelector": {"matchLabels": {"app": "redis"}}}]},
    "apiServer": {"to": [{"ipBlock": {"cidr": "10.0.0.1/32"}}]},
    "extraEgress": [{"to": [{"ipBlock": {"cidr": "10.30.0.5/32"}}], "ports": [{"port": 3128, "protocol": "TCP"}]}],
}
METRICS = {"enabled": True, "port": 9200, "serviceMonitor": {"enabled": True, "labels": {"release": "prometheus"}}}

SWITCHES.update(
    {
        "scheduling": {"app": SCHEDULING},
        "direct-scheduling": {"mode": "direct", "app": SCHEDULING},
        "no-spread": {"mode": "direct", "app": {"scheduling": {"spreadByHostname": False}}},
        "digest": {"app": {"image": {"digest": DIGEST}}, "operator": {"image": {"digest": DIGEST}}},
        "direct-digest": {"mode": "direct", "app": {"image": {"digest": DIGEST}}},
        "pdb-min-available": {"app": {"podDisruptionBudget": {"minAvailable": "50%"}}},
        "direct-pdb-off": {"mode": "direct", "app": {"podDisruptionBudget": {"enabled": False}}},
        "metrics": {"metrics": METRICS},
        "direct-metrics": {"mode": "direct", "metrics": {**METRICS, "serviceMonitor": {"enabled": False}}},
        "direct-service-monitor": {
            "mode": "direct",
            "metrics": {**METRICS, "serviceMonitor": {"scrapeTimeout": "10s"}},
        },
        "network-policy": {"networkPolicy": {"enabled": True}},
        "direct-network-policy": {"mode": "direct", "networkPolicy": NETWORK_POLICY, "metrics": METRICS},
        "network-policy-without-noveltool": {"networkPolicy": NETWORK_POLICY, "app": {"create": False}},
    }
)

NOVELTOOL_SCHEMA = build_crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


# Kinds of other projects' CRDs, which kubernetes-validate does not know: the fields the chart sets, checked here.
KEDA_SCHEMAS = {
    "ScaledObject": {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "keda.sh/v1alpha1"},
            "spec": {
                "type": "object",
                "additionalProperties": False,
                "required": ["scaleTargetRef", "triggers"],
                "properties": {
                    "scaleTargetRef": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["name"],
                        "properties": {"apiVersion": {}, "kind": {"const": "Deployment"}, "name": {"type": "string"}},
                    },
                    "minReplicaCount": {"type": "integer"},
                    "maxReplicaCount": {"type": "integer"},
                    "pollingInterval": {"type": "integer"},
                    "cooldownPeriod": {"type": "integer"},
                    "triggers": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["type", "metadata"],
                            "properties": {
                                "type": {"const": "redis"},
                                # KEDA's trigger metadata is a map of strings.
                                "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
                                "authenticationRef": {"type": "object", "required": ["name"]},
                            },
                        },
                    },
                },
            },
        },
    },
    "TriggerAuthentication": {
        "type": "object",
        "properties": {
            "apiVersion": {"const": "keda.sh/v1alpha1"},
            "spec": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "secretTargetRef": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["parameter", "name", "key"],
                            "additionalProperties": False,
                            "properties": {"parameter": {}, "name": {}, "key": {}},
                        },
                    }
                },
            },
        },
    },
}


# The fields of the Prometheus Operator's ServiceMonitor the chart sets (monitoring.coreos.com/v1).
SERVICE_MONITOR_SCHEMA = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "spec": {
            "type": "object",
            "additionalProperties": False,
            "required": ["selector", "endpoints"],
            "properties": {
                "selector": {"type": "object", "required": ["matchLabels"]},
                "namespaceSelector": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"matchNames": {"type": "array", "items": {"type": "string"}}},
                },
                "podTargetLabels": {"type": "array", "items": {"type": "string"}},
                "endpoints": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["port"],
                        "properties": {
                            "port": {"type": "string"},
                            "path": {"type": "string"},
                            "scheme": {"enum": ["http", "https"]},
                            "interval": {"type": "string", "pattern": "^([0-9]+(ms|s|m|h))+$"},
                            "scrapeTimeout": {"type": "string", "pattern": "^([0-9]+(ms|s|m|h))+$"},
                        },
                    },
                },
            },
        },
    },
}
FOREIGN_SCHEMAS = {**KEDA_SCHEMAS, "ServiceMonitor": SERVICE_MONITOR_SCHEMA}


def validate(obj):
    if obj["kind"] in FOREIGN_SCHEMAS:
        jsonschema.validate(obj, FOREIGN_SCHEMAS[obj["kind"]])
        # Its metadata, as the API server checks every object's.
        kubernetes_validate.validate(
            {**obj, "apiVersion": "v1", "kind": "ConfigMap", "spec": None}, KUBERNETES_VERSIONS[0]
        )
    elif obj["kind"] == "NovelTool":
        jsonschema.validate(obj, NOVELTOOL_SCHEMA)
        parse_spec(obj["metadata"]["name"], obj["metadata"]["namespace"], obj["spec"])  # what the operator reads
    else:
        validate_k8s(obj)


def pods(objects):
    for obj in objects:
        if obj["kind"] in ("Deployment", "Job"):
            yield obj, obj["spec"]["template"]["spec"]


@pytest.mark.parametrize("values", SWITCHES.values(), ids=SWITCHES.keys())
def test_lint_is_clean(values):
    report = helm_python.lint(CHART, values, strict=True, namespace=NAMESPACE)
    assert report["errors"] == []
    # Severity 1 is information ("icon is recommended"); warnings and errors fail.
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


@pytest.mark.parametrize("values", SWITCHES.values(), ids=SWITCHES.keys())
def test_every_rendered_manifest_is_valid(chart, values):
    objects = render(chart, values)
    assert objects
    for obj in objects:
        validate(obj)


def test_the_crd_is_shipped_and_valid(chart):
    crds = chart.crds
    assert [crd["filename"] for crd in crds] == ["novel-pyramid/crds/noveltools.frenchnoveltool.dev.yaml"]
    crd = yaml.safe_load(crds[0]["data"])
    validate_k8s(crd)
    assert crd == build_crd()


@pytest.mark.parametrize("values", SWITCHES.values(), ids=SWITCHES.keys())
def test_every_pod_is_hardened(chart, values):
    for obj, pod in pods(render(chart, values)):
        assert pod["securityContext"]["runAsNonRoot"] is True, obj["metadata"]["name"]
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]
            assert container["resources"] is not None


def kinds(objects):
    return sorted(f"{obj['kind']}/{obj['metadata']['name']}" for obj in objects)


def test_operator_mode_renders_the_operator_and_a_noveltool(chart):
    assert kinds(render(chart)) == [
        "ClusterRole/novels-novel-pyramid-operator-crd",
        "ClusterRoleBinding/novels-novel-pyramid-operator-crd",
        "Deployment/novels-novel-pyramid-operator",
        "NovelTool/novels-novel-pyramid",
        "PodDisruptionBudget/novels-novel-pyramid-realtime",
        "PodDisruptionBudget/novels-novel-pyramid-web",
        "PodDisruptionBudget/novels-novel-pyramid-worker",
        "Role/novels-novel-pyramid-operator",
        "RoleBinding/novels-novel-pyramid-operator",
        "ServiceAccount/novels-novel-pyramid-operator",
    ]


def test_the_noveltool_carries_the_autoscaling_values(chart):
    (noveltool,) = [o for o in render(chart, SWITCHES["autoscaling"]) if o["kind"] == "NovelTool"]
    spec = parse_spec(noveltool["metadata"]["name"], NAMESPACE, noveltool["spec"])
    assert (spec.autoscaling.max_replicas, spec.autoscaling.scale_down_stabilization) == (8, 60)


def test_direct_mode_renders_the_app_without_the_operator(chart):
    assert kinds(render(chart, {"mode": "direct"})) == [
        "ConfigMap/novels-novel-pyramid-config",
        "ConfigMap/novels-novel-pyramid-migrate",
        "Deployment/novels-novel-pyramid-realtime",
        "Deployment/novels-novel-pyramid-web",
        "Deployment/novels-novel-pyramid-worker",
        "Job/novels-novel-pyramid-migrate",
        "PodDisruptionBudget/novels-novel-pyramid-realtime",
        "PodDisruptionBudget/novels-novel-pyramid-web",
        "PodDisruptionBudget/novels-novel-pyramid-worker",
        "Service/novels-novel-pyramid-realtime",
        "Service/novels-novel-pyramid-web",
    ]
    without = kinds(render(chart, SWITCHES["direct-realtime-off"]))
    assert not [kind for kind in without if "realtime" in kind]


@pytest.mark.parametrize("mode", ["operator", "direct"])
def test_keda_scales_the_worker_deployment_instead_of_the_operator(chart, mode):
    objects = render(chart, {"mode": mode, "keda": {"enabled": True, "listLength": 4}})
    (scaled,) = [o for o in objects if o["kind"] == "ScaledObject"]
    assert scaled["spec"]["scaleTargetRef"]["name"] == "novels-novel-pyramid-worker"
    trigger = scaled["spec"]["triggers"][0]["metadata"]
    assert (trigger["listName"], trigger["listLength"], trigger["address"]) == ("celery", "4", "redis:6379")
    if mode == "operator":
        (noveltool,) = [o for o in objects if o["kind"] == "NovelTool"]
        spec = parse_spec(noveltool["metadata"]["name"], NAMESPACE, noveltool["spec"])
        assert spec.external_autoscaler and not spec.autoscaling.enabled
        assert manifests.worker_name(spec) == scaled["spec"]["scaleTargetRef"]["name"]
    else:
        (worker,) = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("-worker")]
        assert "replicas" not in worker["spec"]
    assert not [o for o in render(chart, {"mode": mode}) if o["kind"] in KEDA_SCHEMAS]
    with pytest.raises(helm_python.HelmError, match="exclude each other"):
        render(chart, {"mode": mode, "keda": {"enabled": True}, "app": {"worker": {"autoscaling": {"enabled": True}}}})


def test_keda_reads_the_redis_password_from_the_existing_secret(chart):
    objects = render(chart, SWITCHES["direct-keda-with-password"])
    (auth,) = [o for o in objects if o["kind"] == "TriggerAuthentication"]
    assert auth["spec"]["secretTargetRef"] == [{"parameter": "password", "name": "novel-pyramid-secrets", "key": "PW"}]
    (scaled,) = [o for o in objects if o["kind"] == "ScaledObject"]
    assert scaled["spec"]["triggers"][0]["authenticationRef"] == {"name": auth["metadata"]["name"]}


def test_the_noveltool_carries_the_rollback_policy(chart):
    (noveltool,) = [o for o in render(chart, SWITCHES["rollback-allowed"]) if o["kind"] == "NovelTool"]
    assert parse_spec(noveltool["metadata"]["name"], NAMESPACE, noveltool["spec"]).on_downgrade == "allowNewerSchema"
    (default,) = [o for o in render(chart) if o["kind"] == "NovelTool"]
    assert default["spec"]["migration"]["onDowngrade"] == "refuse"


def test_the_noveltool_carries_the_realtime_values(chart):
    (noveltool,) = [o for o in render(chart, SWITCHES["realtime-scaled"]) if o["kind"] == "NovelTool"]
    spec = parse_spec(noveltool["metadata"]["name"], NAMESPACE, noveltool["spec"])
    assert (spec.realtime_enabled, spec.realtime_replicas, spec.realtime_service_port) == (True, 6, 8081)
    assert spec.realtime_resources["limits"] == {"memory": "2Gi"}
    (off,) = [o for o in render(chart, SWITCHES["realtime-off"]) if o["kind"] == "NovelTool"]
    assert parse_spec(off["metadata"]["name"], NAMESPACE, off["spec"]).realtime_enabled is False


def ingresses(objects):
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == "Ingress"}


def routes(ingress):
    """``{(host, path, pathType): service}`` of an Ingress."""
    return {
        (rule.get("host"), path["path"], path["pathType"]): path["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }


def test_no_ingress_unless_asked(chart):
    assert not ingresses(render(chart)) and not ingresses(render(chart, {"mode": "direct"}))
    # Nothing to route to without a NovelTool of this release.
    assert not ingresses(render(chart, {"ingress": {"enabled": True}, "app": {"create": False}}))


@pytest.mark.parametrize("mode", ["operator", "direct"])
def test_the_ingress_routes_the_realtime_paths_to_the_realtime_service(chart, mode):
    objects = render(chart, {"mode": mode, "ingress": INGRESS})
    web, realtime = ingresses(objects)["novels-novel-pyramid-web"], ingresses(objects)["novels-novel-pyramid-realtime"]
    for host in INGRESS["hosts"]:
        assert routes(web) == {(h, "/", "Prefix"): "novels-novel-pyramid-web" for h in INGRESS["hosts"]}
        for path in ("/socket.io", "/api/v2/jobs", "/api/v2/coverage/runs"):
            assert routes(realtime)[(host, path, "Prefix")] == "novels-novel-pyramid-realtime"
    assert len(routes(realtime)) == 3 * len(INGRESS["hosts"])
    for ingress in (web, realtime):
        assert ingress["spec"]["ingressClassName"] == "nginx"
        assert ingress["spec"]["tls"] == INGRESS["tls"]
        assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt"
        # By port name: whatever port number the Service is given.
        for rule in ingress["spec"]["rules"]:
            assert {p["backend"]["service"]["port"]["name"] for p in rule["http"]["paths"]} == {"http"}
    # The long timeouts and unbuffered responses are the realtime paths' only.
    assert realtime["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "3600"
    assert realtime["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-send-timeout"] == "3600"
    assert realtime["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    assert not [key for key in web["metadata"]["annotations"] if key.startswith("nginx.ingress")]


def test_the_ingress_points_at_the_services_of_either_mode(chart):
    """The operator names its Services as the chart does, so one Ingress template serves both modes."""
    noveltool = next(o for o in render(chart) if o["kind"] == "NovelTool")
    spec = parse_spec(noveltool["metadata"]["name"], NAMESPACE, noveltool["spec"])
    built = {
        manifests.build_web_service(spec)["metadata"]["name"],
        manifests.build_realtime_service(spec)["metadata"]["name"],
    }
    direct = render(chart, {"mode": "direct", "ingress": INGRESS})
    rendered = {o["metadata"]["name"]: o for o in direct if o["kind"] == "Service"}
    for objects in (render(chart, {"ingress": INGRESS}), direct):
        backends = {service for ingress in ingresses(objects).values() for service in routes(ingress).values()}
        assert backends == built == set(rendered)
        for service in backends:
            assert [port["name"] for port in rendered[service]["spec"]["ports"]] == ["http"]


def test_a_single_ingress_and_one_without_realtime(chart):
    (single,) = ingresses(render(chart, SWITCHES["single-ingress"])).values()
    assert routes(single)[("novels.example", "/socket.io", "Prefix")] == "novels-novel-pyramid-realtime"
    assert routes(single)[("novels.example", "/", "Prefix")] == "novels-novel-pyramid-web"
    assert single["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    (web,) = ingresses(render(chart, SWITCHES["ingress-without-realtime"])).values()
    assert set(routes(web).values()) == {"novels-novel-pyramid-web"}
    assert "host" not in web["spec"]["rules"][0]  # no hosts given: every host


def test_the_migration_is_a_pre_install_and_pre_upgrade_hook(chart):
    for obj in render(chart, {"mode": "direct"}):
        if obj["metadata"]["name"].endswith("-migrate"):
            annotations = obj["metadata"]["annotations"]
            assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
            assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
    configmap, job = [o for o in render(chart, {"mode": "direct"}) if o["metadata"]["name"].endswith("-migrate")]
    # The Job's ConfigMap is created before it.
    assert int(configmap["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(
        job["metadata"]["annotations"]["helm.sh/hook-weight"]
    )


@pytest.mark.parametrize(
    "values",
    [
        SWITCHES["all-secrets-and-settings"],
        {**SWITCHES["scheduling"], "metrics": METRICS},
        {"app": {"image": {"digest": DIGEST}, "scheduling": {"spreadByHostname": False}}},
    ],
    ids=["secrets-and-settings", "scheduling-and-metrics", "digest-no-spread"],
)
def test_direct_mode_runs_the_app_as_the_operator_would(chart, values):
    """Both ways of running the app agree on images, commands, probes, ports, environment and placement."""
    noveltool = next(o for o in render(chart, values) if o["kind"] == "NovelTool")
    spec = parse_spec(noveltool["metadata"]["name"], NAMESPACE, noveltool["spec"])
    direct = {f"{o['kind']}/{o['metadata']['name']}": o for o in render(chart, {**values, "mode": "direct"})}

    def comparable(container):
        keys = ("image", "command", "ports", "readinessProbe", "livenessProbe", "env", "volumeMounts", "resources")
        return {key: container.get(key) for key in keys}

    def placement(pod):
        return {key: pod.get(key) for key in ("nodeSelector", "tolerations", "affinity", "topologySpreadConstraints")}

    for built in (
        manifests.build_web_deployment(spec, spec.image),
        manifests.build_realtime_deployment(spec, spec.image),
        manifests.build_worker_deployment(spec, spec.image, 1),
        manifests.build_migration_job(spec, spec.image),
    ):
        name = built["metadata"]["name"]
        if built["kind"] == "Job":
            name = f"{spec.name}-migrate"
        rendered = direct[f"{built['kind']}/{name}"]
        assert comparable(rendered["spec"]["template"]["spec"]["containers"][0]) == comparable(
            built["spec"]["template"]["spec"]["containers"][0]
        ), name
        assert placement(rendered["spec"]["template"]["spec"]) == placement(built["spec"]["template"]["spec"]), name
    for service, deployment in (
        (manifests.build_web_service(spec), manifests.build_web_deployment(spec, spec.image)),
        (manifests.build_realtime_service(spec), manifests.build_realtime_deployment(spec, spec.image)),
    ):
        rendered = direct[f"Service/{service['metadata']['name']}"]["spec"]
        assert (rendered["selector"], rendered["ports"]) == (service["spec"]["selector"], service["spec"]["ports"])
        rendered = direct[f"Deployment/{deployment['metadata']['name']}"]["spec"]
        for key in ("replicas", "strategy", "selector"):
            assert rendered[key] == deployment["spec"][key], key
    config = direct[f"ConfigMap/{spec.name}-config"]["data"]
    assert config == manifests.build_configmap(spec)["data"]


def rules(objects, kind):
    return [rule for obj in objects if obj["kind"] == kind for rule in obj["rules"]]


def test_rbac_is_least_privilege(chart):
    for rule in rules(render(chart), "Role"):
        assert "*" not in rule["verbs"] and "*" not in rule["resources"] and "*" not in rule["apiGroups"]
        # Children go with their NovelTool (the garbage collector); the operator deletes
        # only the realtime Deployment and Service, when spec.realtime is switched off.
        if "delete" in rule["verbs"]:
            assert rule["resources"] in (["deployments"], ["services"]), rule
        if "secrets" in rule["resources"]:
            assert rule["verbs"] == ["get"]
            assert rule["resourceNames"] == ["novel-pyramid-secrets"]
    # The CRD: its own, by name, read and applied.
    (crd_rule,) = rules(render(chart), "ClusterRole")
    assert crd_rule == {
        "apiGroups": ["apiextensions.k8s.io"],
        "resources": ["customresourcedefinitions"],
        "resourceNames": ["noveltools.frenchnoveltool.dev"],
        "verbs": ["get", "patch"],
    }


def test_the_crd_is_managed_unless_switched_off_and_the_secrets_named(chart):
    env = {
        e["name"]: e["value"]
        for e in next(o for o in render(chart) if o["kind"] == "Deployment")["spec"]["template"]["spec"]["containers"][
            0
        ]["env"]
    }
    assert env["NOVEL_OPERATOR_MANAGE_CRD"] == "true"
    objects = render(chart, SWITCHES["crd-unmanaged"])
    assert not rules(objects, "ClusterRole")
    (secrets,) = [r for r in rules(objects, "Role") if "secrets" in r["resources"]]
    assert secrets["resourceNames"] == ["other-secrets", "novel-pyramid-secrets"]
    # No NovelTool of the release and none named: no Secret at all.
    objects = render(chart, {"app": {"create": False}})
    assert not [r for r in rules(objects, "Role") if "secrets" in r["resources"]]


def test_the_operator_is_probed_for_readiness(chart):
    deployment = next(o for o in render(chart) if o["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "liveness"}


def test_cluster_wide_uses_a_cluster_role_and_all_namespaces(chart):
    objects = render(chart, {"operator": {"clusterWide": True, "manageCRD": False}})
    assert rules(objects, "ClusterRole") and not rules(objects, "Role")
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    assert "--all-namespaces" in deployment["spec"]["template"]["spec"]["containers"][0]["command"]


def test_watched_namespaces_each_get_a_role_and_a_flag(chart):
    objects = render(chart, {"operator": {"watchNamespaces": ["books", "magazines"]}})
    assert sorted(o["metadata"]["namespace"] for o in objects if o["kind"] == "Role") == ["books", "magazines"]
    command = next(o for o in objects if o["kind"] == "Deployment")["spec"]["template"]["spec"]["containers"][0][
        "command"
    ]
    assert "--namespace=books" in command and "--namespace=magazines" in command


def test_switches_turn_parts_off(chart):
    assert not rules(render(chart, {"rbac": {"create": False}}), "Role")
    objects = render(chart, {"serviceAccount": {"create": False, "name": "ops"}})
    assert not [o for o in objects if o["kind"] == "ServiceAccount"]
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == "ops"
    assert not [o for o in render(chart, {"app": {"create": False}}) if o["kind"] == "NovelTool"]
    assert not [
        o for o in render(chart, {"mode": "direct", "app": {"migration": {"enabled": False}}}) if o["kind"] == "Job"
    ]


def test_secrets_come_from_the_existing_secret_only(chart):
    for _, pod in pods(render(chart, {"mode": "direct", "app": {"existingSecret": "mine"}})):
        for entry in pod["containers"][0]["env"]:
            assert "value" not in entry
            assert entry["valueFrom"]["secretKeyRef"]["name"] == "mine"


@pytest.mark.parametrize(
    "values",
    [
        {"mode": "sideways"},
        {"app": {"name": "x" * 41}},
        {"app": {"existingSecret": ""}},
        {"app": {"settings": {"logLevel": "LOUD"}}},
        {"app": {"secretKeys": {"databaseUrl": ""}}},
        {"unknown": True},
        {"operator": {"timerInterval": 0}},
        {"app": {"worker": {"autoscaling": {"scaleDownStabilizationSeconds": -1}}}},
        {"app": {"realtime": {"replicas": -1}}},
        {"app": {"realtime": {"enabled": "yes"}}},
        {"app": {"realtime": {"sticky": True}}},
        {"ingress": {"realtimePaths": [{"path": "/socket.io", "pathType": "Regex"}]}},
        {"ingress": {"realtimePaths": [{"path": "socket.io", "pathType": "Prefix"}]}},
        {"ingress": {"realtimeAnnotations": {"nginx.ingress.kubernetes.io/proxy-read-timeout": 3600}}},
        {"ingress": {"host": "novels.example"}},
        {"app": {"migration": {"onDowngrade": "sometimes"}}},
    ],
)
def test_the_values_schema_rejects_bad_values(chart, values):
    with pytest.raises(helm_python.HelmError):
        chart.validate_schema(chart.merge_values(values))


def test_the_defaults_match_the_values_schema(chart):
    schema = json.loads((CHART / "values.schema.json").read_text())
    jsonschema.validate(yaml.safe_load((CHART / "values.yaml").read_text()), schema)
    chart.validate_schema(chart.values)


def leaf_paths(values, prefix=""):
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield path
            yield from leaf_paths(value, f"{path}.")
        else:
            yield path


def test_every_value_is_documented_with_a_param_comment():
    text = (CHART / "values.yaml").read_text()
    documented = set(re.findall(r"^\s*## @param (\S+)", text, flags=re.M))
    paths = set(leaf_paths(yaml.safe_load(text)))
    assert documented <= paths, documented - paths
    undocumented = [
        path
        for path in paths
        if not any(path == d or path.startswith(f"{d}.") for d in documented)
        and not any(d.startswith(f"{path}.") for d in documented)
    ]
    assert undocumented == []


def test_notes_explain_the_next_steps(chart):
    assert "kubectl apply --server-side -f crds/" in notes(chart)
    assert "port-forward" in notes(chart, {"mode": "direct"})
    assert "novels-novel-pyramid-realtime" in notes(chart)
    assert "ingress.enabled=true" in notes(chart) and "ingress.enabled=true" not in notes(chart, SWITCHES["ingress"])
    assert "realtime" not in notes(chart, SWITCHES["realtime-off"])


def by_name(objects, kind):
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def operator_spec(chart, values=None):
    noveltool = next(o for o in render(chart, values) if o["kind"] == "NovelTool")
    return parse_spec(noveltool["metadata"]["name"], NAMESPACE, noveltool["spec"])


def built_pods(spec):
    """The pod templates the operator builds, by workload name."""
    return {
        o["metadata"]["name"]: o["spec"]["template"]
        for o in (
            manifests.build_web_deployment(spec, spec.image),
            manifests.build_realtime_deployment(spec, spec.image),
            manifests.build_worker_deployment(spec, spec.image, 2),
            manifests.build_migration_job(spec, spec.image, name=f"{spec.name}-migrate"),
        )
    }


def test_pods_are_spread_over_nodes_by_default_whatever_the_replicas(chart):
    objects = render(chart, {"mode": "direct", "app": {"web": {"replicas": 1}}})
    for name, deployment in by_name(objects, "Deployment").items():
        component = deployment["metadata"]["labels"]["app.kubernetes.io/component"]
        (constraint,) = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        assert constraint == {
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": deployment["spec"]["selector"]["matchLabels"]},
        }, name
        assert constraint["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == component
    (job,) = by_name(objects, "Job").values()
    assert "topologySpreadConstraints" not in job["spec"]["template"]["spec"]
    for deployment in by_name(render(chart, SWITCHES["no-spread"]), "Deployment").values():
        assert "topologySpreadConstraints" not in deployment["spec"]["template"]["spec"]
    # The operator's pods too: spreadByHostname unset in the NovelTool means true.
    for name, pod in built_pods(operator_spec(chart)).items():
        constraints = pod["spec"].get("topologySpreadConstraints", [])
        assert [c["topologyKey"] for c in constraints] == (
            [] if name.endswith("-migrate") else ["kubernetes.io/hostname"]
        )


@pytest.mark.parametrize("mode", ["operator", "direct"])
def test_scheduling_is_shared_and_replaced_key_by_key(chart, mode):
    if mode == "direct":
        pods = {
            name: o["spec"]["template"]
            for kind in ("Deployment", "Job")
            for name, o in by_name(render(chart, SWITCHES["direct-scheduling"]), kind).items()
        }
    else:
        pods = built_pods(operator_spec(chart, SWITCHES["scheduling"]))
    web, realtime, worker, migration = (
        pods[f"novels-novel-pyramid-{component}"]["spec"] for component in ("web", "realtime", "worker", "migrate")
    )
    shared = SCHEDULING["scheduling"]
    for pod in (web, realtime):
        assert (pod["nodeSelector"], pod["tolerations"], pod["affinity"]) == (
            shared["nodeSelector"],
            shared["tolerations"],
            shared["affinity"],
        )
    assert worker["nodeSelector"] == {"pool": "batch"} and worker["tolerations"] == shared["tolerations"]
    assert "topologySpreadConstraints" not in worker
    # A constraint of one's own replaces the default and gets the component's selector.
    (zone,) = realtime["topologySpreadConstraints"]
    assert zone["topologyKey"] == "topology.kubernetes.io/zone"
    assert zone["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == "realtime"
    assert web["topologySpreadConstraints"][0]["topologyKey"] == "kubernetes.io/hostname"
    assert "tolerations" not in migration and migration["nodeSelector"] == {"pool": "app"}


@pytest.mark.parametrize("mode", ["operator", "direct"])
def test_the_image_can_be_named_by_digest(chart, mode):
    values = {"mode": mode, "app": {"image": {"digest": DIGEST, "tag": "ignored"}}}
    wanted = f"ghcr.io/novel-pyramid/novel-pyramid@{DIGEST}"
    objects = render(chart, values)
    if mode == "operator":
        spec = operator_spec(chart, values)
        assert spec.image == wanted
        assert {pod["spec"]["containers"][0]["image"] for pod in built_pods(spec).values()} == {wanted}
    else:
        assert {pod["containers"][0]["image"] for _, pod in pods(objects)} == {wanted}
    operator = render(chart, {"operator": {"image": {"digest": DIGEST}}})
    (deployment,) = by_name(operator, "Deployment").values()
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == (
        f"ghcr.io/novel-pyramid/novel-operator@{DIGEST}"
    )


def _pod_labels(chart, mode, values=None):
    """Pod labels of each component as the pods will carry them in that mode."""
    if mode == "operator":
        return {
            template["metadata"]["labels"]["app.kubernetes.io/component"]: template["metadata"]["labels"]
            for template in built_pods(operator_spec(chart, values)).values()
        }
    return {
        o["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]: o["spec"]["template"]["metadata"][
            "labels"
        ]
        for o in render(chart, {**(values or {}), "mode": "direct"})
        if o["kind"] in ("Deployment", "Job")
    }


def _selects(selector, labels):
    return selector.items() <= labels.items()


@pytest.mark.parametrize("mode", ["operator", "direct"])
def test_each_deployment_has_a_disruption_budget_of_its_own_pods(chart, mode):
    budgets = by_name(render(chart, {"mode": mode}), "PodDisruptionBudget")
    labels = _pod_labels(chart, mode)
    assert set(budgets) == {f"novels-novel-pyramid-{c}" for c in ("web", "realtime", "worker")}
    for name, budget in budgets.items():
        assert budget["spec"]["maxUnavailable"] == 1 and "minAvailable" not in budget["spec"]
        selected = [c for c, pod in labels.items() if _selects(budget["spec"]["selector"]["matchLabels"], pod)]
        assert selected == [name.rsplit("-", 1)[1]]
    (budget, *_) = by_name(render(chart, SWITCHES["pdb-min-available"]), "PodDisruptionBudget").values()
    assert budget["spec"]["minAvailable"] == "50%" and "maxUnavailable" not in budget["spec"]
    assert not by_name(render(chart, SWITCHES["direct-pdb-off"]), "PodDisruptionBudget")
    assert not by_name(render(chart, {"app": {"create": False}}), "PodDisruptionBudget")
    off = by_name(render(chart, {"mode": mode, "app": {"realtime": {"enabled": False}}}), "PodDisruptionBudget")
    assert set(off) == {"novels-novel-pyramid-web", "novels-novel-pyramid-worker"}


def test_no_network_policy_unless_asked(chart):
    assert not by_name(render(chart), "NetworkPolicy") and not by_name(
        render(chart, {"mode": "direct"}), "NetworkPolicy"
    )


def _egress_ports(policy):
    return {(port["port"], port["protocol"]) for rule in policy["spec"]["egress"] for port in rule["ports"]}


@pytest.mark.parametrize("mode", ["operator", "direct"])
def test_network_policies_let_each_pod_reach_only_what_it_needs(chart, mode):
    values = {"mode": mode, "networkPolicy": NETWORK_POLICY, "metrics": METRICS}
    policies = by_name(render(chart, values), "NetworkPolicy")
    labels = _pod_labels(chart, mode, values)
    expected = {f"novels-novel-pyramid-{c}" for c in ("web", "realtime", "worker", "migration")}
    if mode == "operator":
        expected.add("novels-novel-pyramid-operator")
    assert set(policies) == expected
    for component, pod in labels.items():
        selecting = [n for n, p in policies.items() if _selects(p["spec"]["podSelector"]["matchLabels"], pod)]
        assert selecting == [f"novels-novel-pyramid-{'migration' if component == 'migration' else component}"]
    for name, policy in policies.items():
        assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"], name
        assert {("53", "UDP"), ("53", "TCP")} <= {(str(p), q) for p, q in _egress_ports(policy)}
    web, realtime, worker, migration = (
        policies[f"novels-novel-pyramid-{c}"] for c in ("web", "realtime", "worker", "migration")
    )
    for policy in (web, realtime):
        http, monitoring = policy["spec"]["ingress"]
        assert http == {
            "from": chart.values["networkPolicy"]["ingressFrom"],
            "ports": [{"port": "http", "protocol": "TCP"}],
        }
        assert monitoring["ports"] == [{"port": "metrics", "protocol": "TCP"}]
        assert monitoring["from"] == chart.values["networkPolicy"]["monitoringFrom"]
    assert [rule["ports"] for rule in worker["spec"]["ingress"]] == [[{"port": "metrics", "protocol": "TCP"}]]
    assert "ingress" not in migration["spec"]
    for policy in (web, realtime, worker):
        assert {(5432, "TCP"), (6380, "TCP"), (443, "TCP"), (3128, "TCP")} <= _egress_ports(policy)
        database = next(r for r in policy["spec"]["egress"] if r["ports"] == [{"port": 5432, "protocol": "TCP"}])
        assert database["to"] == [{"ipBlock": {"cidr": "10.20.0.0/16"}}]
        google = next(r for r in policy["spec"]["egress"] if r["ports"] == [{"port": 443, "protocol": "TCP"}])
        assert google["to"][0]["ipBlock"]["cidr"] == "0.0.0.0/0"
        assert "10.0.0.0/8" in google["to"][0]["ipBlock"]["except"]
    assert _egress_ports(migration) == {(53, "UDP"), (53, "TCP"), (5432, "TCP"), (3128, "TCP")}
    if mode == "operator":
        operator = policies["novels-novel-pyramid-operator"]
        (pod,) = by_name(render(chart, values), "Deployment").values()
        assert _selects(operator["spec"]["podSelector"]["matchLabels"], pod["spec"]["template"]["metadata"]["labels"])
        # Only the scraper, and only to the operator's own metrics port.
        (scrape,) = operator["spec"]["ingress"]
        assert scrape["ports"] == [{"port": "op-metrics", "protocol": "TCP"}]
        assert _egress_ports(operator) == {(53, "UDP"), (53, "TCP"), (443, "TCP"), (6443, "TCP"), (6380, "TCP")}
        api = next(r for r in operator["spec"]["egress"] if {"port": 6443, "protocol": "TCP"} in r["ports"])
        assert api["to"] == [{"ipBlock": {"cidr": "10.0.0.1/32"}}]


def test_without_a_noveltool_only_the_operator_has_a_network_policy(chart):
    assert set(by_name(render(chart, SWITCHES["network-policy-without-noveltool"]), "NetworkPolicy")) == {
        "novels-novel-pyramid-operator"
    }
    # Ports-only rules where no peers are given: the database and Redis on any address.
    web = by_name(render(chart, SWITCHES["network-policy"]), "NetworkPolicy")["novels-novel-pyramid-web"]
    assert {"ports": [{"port": 5432, "protocol": "TCP"}]} in web["spec"]["egress"]
    assert [rule["ports"][0]["port"] for rule in web["spec"]["ingress"]] == ["http"]  # no metrics port


@pytest.mark.parametrize("mode", ["operator", "direct"])
def test_metrics_are_served_on_a_named_port_and_scraped_through_a_headless_service(chart, mode):
    values = {"mode": mode, "metrics": METRICS}
    objects = render(chart, values)
    if mode == "operator":
        templates = built_pods(operator_spec(chart, values))
        containers = {name: t["spec"]["containers"][0] for name, t in templates.items()}
        labels = {name: t["metadata"]["labels"] for name, t in templates.items()}
    else:
        containers = {o["metadata"]["name"]: pod["containers"][0] for o, pod in pods(objects)}
        labels = {o["metadata"]["name"]: o["spec"]["template"]["metadata"]["labels"] for o, _ in pods(objects)}
    for component in ("web", "realtime", "worker"):
        container = containers[f"novels-novel-pyramid-{component}"]
        assert {"name": "METRICS_PORT", "value": "9200"} in container["env"]
        assert {"name": "metrics", "containerPort": 9200, "protocol": "TCP"} in container["ports"]
    migrate = containers["novels-novel-pyramid-migrate"]
    assert "ports" not in migrate and "METRICS_PORT" not in {e["name"] for e in migrate["env"]}
    service = by_name(objects, "Service")["novels-novel-pyramid-metrics"]
    assert service["spec"]["clusterIP"] == "None"
    assert service["spec"]["ports"] == [{"name": "metrics", "port": 9200, "targetPort": "metrics", "protocol": "TCP"}]
    selected = {name for name, pod in labels.items() if _selects(service["spec"]["selector"], pod)}
    assert selected == set(labels)  # the migration pod too, left out of the endpoints: it has no such port
    monitor = by_name(objects, "ServiceMonitor")["novels-novel-pyramid"]
    assert _selects(monitor["spec"]["selector"]["matchLabels"], service["metadata"]["labels"])
    assert monitor["metadata"]["labels"]["release"] == "prometheus"
    assert monitor["spec"]["endpoints"] == [
        {"port": "metrics", "path": "/metrics", "scheme": "http", "interval": "30s"}
    ]
    # The public Services never carry the metrics port.
    for name in ("novels-novel-pyramid-web", "novels-novel-pyramid-realtime"):
        if mode == "direct":
            assert [p["name"] for p in by_name(objects, "Service")[name]["spec"]["ports"]] == ["http"]
    spec = operator_spec(chart, {"metrics": METRICS}) if mode == "operator" else None
    if spec is not None:
        for build in (manifests.build_web_service, manifests.build_realtime_service):
            assert [p["name"] for p in build(spec)["spec"]["ports"]] == ["http"]


def test_the_operator_serves_its_own_metrics_to_its_own_service_monitor(chart):
    objects = render(chart, {"metrics": METRICS, "networkPolicy": NETWORK_POLICY})
    (operator,) = [o for o, _ in pods(objects) if o["metadata"]["name"] == "novels-novel-pyramid-operator"]
    pod = operator["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert {"name": "NOVEL_OPERATOR_METRICS_PORT", "value": "9200"} in container["env"]
    assert {"name": "op-metrics", "containerPort": 9200, "protocol": "TCP"} in container["ports"]
    services = by_name(objects, "Service")
    service = services["novels-novel-pyramid-operator-metrics"]
    assert service["spec"]["clusterIP"] == "None"
    assert service["spec"]["ports"] == [
        {"name": "metrics", "port": 9200, "targetPort": "op-metrics", "protocol": "TCP"}
    ]
    assert _selects(service["spec"]["selector"], pod["metadata"]["labels"])
    # The app's metrics Service targets `metrics`, a port the operator's pod does not have.
    assert services["novels-novel-pyramid-metrics"]["spec"]["ports"][0]["targetPort"] == "metrics"
    monitors = by_name(objects, "ServiceMonitor")
    own = monitors["novels-novel-pyramid-operator"]
    assert [
        name
        for name, m in monitors.items()
        if _selects(m["spec"]["selector"]["matchLabels"], service["metadata"]["labels"])
    ] == ["novels-novel-pyramid-operator"]
    assert own["metadata"]["labels"]["release"] == "prometheus"
    assert own["spec"]["endpoints"] == [{"port": "metrics", "path": "/metrics", "scheme": "http", "interval": "30s"}]
    # The scraper may reach the operator's metrics port, and nothing else may reach the operator.
    policy = by_name(objects, "NetworkPolicy")["novels-novel-pyramid-operator"]
    assert [rule["ports"] for rule in policy["spec"]["ingress"]] == [[{"port": "op-metrics", "protocol": "TCP"}]]


def test_without_metrics_the_operator_serves_none(chart):
    objects = render(chart, {"networkPolicy": NETWORK_POLICY})
    (operator,) = [o for o, _ in pods(objects) if o["metadata"]["name"] == "novels-novel-pyramid-operator"]
    container = operator["spec"]["template"]["spec"]["containers"][0]
    assert "NOVEL_OPERATOR_METRICS_PORT" not in {e["name"] for e in container["env"]}
    assert [p["name"] for p in container["ports"]] == ["liveness"]
    assert "novels-novel-pyramid-operator-metrics" not in by_name(objects, "Service")
    assert by_name(objects, "NetworkPolicy")["novels-novel-pyramid-operator"]["spec"].get("ingress", []) == []


def test_metrics_are_off_by_default(chart):
    for mode in ("operator", "direct"):
        objects = render(chart, {"mode": mode})
        assert "novels-novel-pyramid-metrics" not in by_name(objects, "Service")
        assert not by_name(objects, "ServiceMonitor")
    for pod in built_pods(operator_spec(chart)).values():
        assert "METRICS_PORT" not in {e["name"] for e in pod["spec"]["containers"][0]["env"]}
    with pytest.raises(helm_python.HelmError, match="needs metrics.enabled"):
        render(chart, {"metrics": {"serviceMonitor": {"enabled": True}}})


@pytest.mark.parametrize(
    "values",
    [
        {"app": {"image": {"digest": "latest"}}},
        {"operator": {"image": {"digest": "sha256:short"}}},
        {"metrics": {"port": 8080}},
        {"metrics": {"port": 70000}},
        {"metrics": {"serviceMonitor": {"interval": "often"}}},
        {"app": {"scheduling": {"nodeSelector": {"pool": 1}}}},
        {"app": {"web": {"scheduling": {"topologySpreadConstraints": [{"maxSkew": 1}]}}}},
        {"app": {"scheduling": {"spread": True}}},
        {"app": {"podDisruptionBudget": {"maxUnavailable": "half"}}},
        {"networkPolicy": {"database": {"to": [{"cidr": "10.0.0.0/8"}]}}},
        {"networkPolicy": {"apiServer": {"ports": []}}},
    ],
)
def test_the_values_schema_rejects_bad_new_values(chart, values):
    with pytest.raises(helm_python.HelmError):
        chart.validate_schema(chart.merge_values(values))
