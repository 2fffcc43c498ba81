"""Unit tests of the pure manifest builders: no cluster, every manifest validated against the API schemas."""

import configparser
import pathlib

import pytest

from novel_operator import constants as c
from novel_operator import manifests as m
from novel_operator.spec import InvalidSpec, parse_spec

from .conftest import noveltool
from .helpers import validate_k8s, validate_noveltool


def make_spec(**spec):
    body = noveltool(**spec)
    return parse_spec(body["metadata"]["name"], body["metadata"]["namespace"], body["spec"])


def env_of(container):
    return {item["name"]: item for item in container["env"]}


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {
            "settings": {
                "productionIni": "[app:main]\nuse = egg:novel_pyramid\n",
                "logLevel": "DEBUG",
                "ratelimitEnabled": False,
                "maxFileSize": 1048576,
            }
        },
        {
            "imagePullSecrets": [{"name": "registry"}],
            "web": {
                "replicas": 3,
                "serviceType": "LoadBalancer",
                "resources": {"requests": {"cpu": "100m", "memory": 256}},
            },
        },
        {
            "realtime": {
                "replicas": 4,
                "serviceType": "NodePort",
                "servicePort": 8081,
                "resources": {"requests": {"cpu": "50m", "memory": "384Mi"}, "limits": {"memory": "1Gi"}},
            },
        },
        {
            "scheduling": {
                "nodeSelector": {"pool": "app"},
                "tolerations": [{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}],
                "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": []}},
            },
            "worker": {
                "scheduling": {
                    "topologySpreadConstraints": [
                        {
                            "maxSkew": 2,
                            "topologyKey": "topology.kubernetes.io/zone",
                            "whenUnsatisfiable": "DoNotSchedule",
                        }
                    ]
                }
            },
            "metrics": {"enabled": True, "port": 9200},
        },
    ],
)
def test_every_built_manifest_is_valid_kubernetes(extra):
    spec = make_spec(**extra)
    for manifest in (
        m.build_configmap(spec),
        m.build_web_deployment(spec, spec.image),
        m.build_web_service(spec),
        m.build_realtime_deployment(spec, spec.image),
        m.build_realtime_service(spec),
        m.build_worker_deployment(spec, spec.image, 2),
        m.build_migration_job(spec, spec.image),
    ):
        validate_k8s(manifest)
    validate_noveltool(noveltool(**extra))


def test_secrets_are_references_and_the_broker_defaults_to_redis():
    spec = make_spec()
    env = env_of(m.build_web_deployment(spec, "img")["spec"]["template"]["spec"]["containers"][0])
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "novel-secrets", "key": "DATABASE_URL"}
    assert env["CELERY_BROKER_URL"]["valueFrom"] == env["REDIS_URL"]["valueFrom"]
    assert "GOOGLE_CLIENT_SECRET" not in env  # not referenced in the spec, so not set
    assert all("value" not in item for item in env.values())


def test_settings_go_to_the_configmap_as_the_app_environment():
    spec = make_spec(settings={"logLevel": "DEBUG", "ratelimitEnabled": False, "corsOrigins": "https://a.example"})
    data = m.build_configmap(spec)["data"]
    assert data == {
        "LOG_LEVEL": "DEBUG",
        "RATELIMIT_ENABLED": "false",
        "CORS_ORIGINS": "https://a.example",
        "NOVEL_PYRAMID_INI": c.DEFAULT_INI,
    }


def test_a_production_ini_in_the_spec_is_mounted_and_used():
    spec = make_spec(settings={"productionIni": "[app:main]\n"})
    web = m.build_web_deployment(spec, "img")["spec"]["template"]["spec"]
    assert web["containers"][0]["command"] == ["pserve", c.CUSTOM_INI]
    assert {"name": "config", "mountPath": c.CUSTOM_INI_DIR, "readOnly": True} in web["containers"][0]["volumeMounts"]
    assert m.build_configmap(spec)["data"]["NOVEL_PYRAMID_INI"] == c.CUSTOM_INI


def test_pods_are_hardened():
    spec = make_spec()
    for manifest in (
        m.build_web_deployment(spec, "i"),
        m.build_realtime_deployment(spec, "i"),
        m.build_worker_deployment(spec, "i", 1),
        m.build_migration_job(spec, "i"),
    ):
        pod = manifest["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        security = pod["containers"][0]["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"] == {"drop": ["ALL"]}


def test_commands_and_probes_follow_the_app_contract():
    spec = make_spec()
    web = m.build_web_deployment(spec, "i")["spec"]["template"]["spec"]["containers"][0]
    assert web["command"] == ["pserve", "/app/production.ini"]
    assert web["readinessProbe"]["httpGet"]["path"] == "/api/v1/health"
    assert web["livenessProbe"]["httpGet"]["path"] == "/api/v1/health/live"
    assert web["ports"][0]["containerPort"] == 8080
    worker = m.build_worker_deployment(spec, "i", 1)["spec"]["template"]["spec"]["containers"][0]
    assert worker["command"][:3] == ["celery", "-A", "novel_pyramid.tasks.celery_app:app"]
    job = m.build_migration_job(spec, "i")
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert job["spec"]["template"]["spec"]["containers"][0]["terminationMessagePolicy"] == "File"


def test_the_realtime_process_runs_the_inis_realtime_server_and_is_probed_on_what_it_answers():
    spec = make_spec()
    realtime = m.build_realtime_deployment(spec, "i")
    container = realtime["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["pserve", "/app/production.ini", "--server-name", "realtime"]
    assert container["ports"] == [{"name": "http", "containerPort": 8081, "protocol": "TCP"}]
    # The ASGI composition hands every path but /socket.io/ to the Pyramid app: the health views answer.
    assert container["readinessProbe"]["httpGet"] == {"path": "/api/v1/health", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/api/v1/health/live", "port": "http"}
    assert realtime["metadata"]["name"] == m.realtime_name(spec) == "shop-realtime"
    assert realtime["spec"]["replicas"] == 2
    assert realtime["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    # It publishes and receives progress through Redis, and reads the same settings as the web.
    web = m.build_web_deployment(spec, "i")["spec"]["template"]["spec"]["containers"][0]
    assert "REDIS_URL" in env_of(container)
    assert (container["env"], container["envFrom"]) == (web["env"], web["envFrom"])
    service = m.build_realtime_service(spec)
    assert service["metadata"]["name"] == "shop-realtime"
    assert service["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]


def test_the_realtime_process_uses_a_production_ini_from_the_spec():
    spec = make_spec(settings={"productionIni": "[app:main]\n"})
    container = m.build_realtime_deployment(spec, "i")["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["pserve", c.CUSTOM_INI, "--server-name", "realtime"]
    assert {"name": "config", "mountPath": c.CUSTOM_INI_DIR, "readOnly": True} in container["volumeMounts"]


def test_the_images_production_ini_has_the_realtime_server_on_the_probed_port():
    ini = configparser.ConfigParser(interpolation=None)
    ini.read(pathlib.Path(__file__).parents[2] / "production.ini")
    assert ini["server:realtime"]["use"] == "egg:novel_pyramid#realtime"
    assert int(ini["server:realtime"]["port"]) == c.REALTIME_PORT
    assert int(ini["server:main"]["port"]) == c.WEB_PORT


def test_realtime_settings_from_the_spec():
    spec = make_spec(realtime={"enabled": False, "replicas": 5, "resources": {"limits": {"memory": "1Gi"}}})
    assert (spec.realtime_enabled, spec.realtime_replicas) == (False, 5)
    realtime = m.build_realtime_deployment(spec, "i")
    assert realtime["spec"]["replicas"] == 5
    assert realtime["spec"]["template"]["spec"]["containers"][0]["resources"] == {"limits": {"memory": "1Gi"}}
    assert make_spec().realtime_enabled is True


def test_the_migration_job_name_is_stable_per_image():
    spec = make_spec()
    assert m.migration_job_name(spec, "a:1") == m.migration_job_name(spec, "a:1")
    assert m.migration_job_name(spec, "a:1") != m.migration_job_name(spec, "a:2")
    assert len(m.migration_job_name(make_spec(), "x" * 300)) <= 63


def test_a_config_change_changes_the_pod_template():
    before = m.build_web_deployment(make_spec(settings={"logLevel": "INFO"}), "i")
    after = m.build_web_deployment(make_spec(settings={"logLevel": "DEBUG"}), "i")
    assert before["spec"]["template"]["metadata"]["annotations"] != after["spec"]["template"]["metadata"]["annotations"]


def test_deployment_selectors_are_subsets_of_the_pod_labels():
    spec = make_spec()
    deployments = (
        m.build_web_deployment(spec, "i"),
        m.build_realtime_deployment(spec, "i"),
        m.build_worker_deployment(spec, "i", 1),
    )
    for manifest in deployments:
        labels = manifest["spec"]["template"]["metadata"]["labels"]
        assert manifest["spec"]["selector"]["matchLabels"].items() <= labels.items()
    # Each Service selects its own component's pods and no other's.
    for service, own in ((m.build_web_service(spec), "shop-web"), (m.build_realtime_service(spec), "shop-realtime")):
        selected = [
            d["metadata"]["name"]
            for d in deployments
            if service["spec"]["selector"].items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert selected == [own]


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"image": ""}, "image"),
        ({"worker": {"autoscaling": {"minReplicas": 3, "maxReplicas": 2}}}, "minReplicas"),
        ({"web": {"replicas": -1}}, "replicas"),
        ({"realtime": {"replicas": -1}}, "replicas"),
        ({"realtime": {"servicePort": 0}}, "servicePort"),
        ({"settings": {"unknown": 1}}, "unknown"),
        # What a CRD older than the quantity pattern lets through.
        ({"web": {"resources": {"requests": {"cpu": "lots"}}}}, "spec.web.resources.requests.cpu"),
        ({"migration": {"resources": {"limits": {"memory": "1e1.5"}}}}, "spec.migration.resources.limits.memory"),
        ({"metrics": {"enabled": True, "port": 8080}}, "spec.metrics.port"),
        ({"metrics": {"port": 0}}, "port"),
        ({"scheduling": {"spreadByHostname": "yes"}}, "spreadByHostname"),
        ({"web": {"scheduling": {"tolerations": {"key": "x"}}}}, "spec.web.scheduling.tolerations"),
        ({"scheduling": {"topologySpreadConstraints": ["zone"]}}, "topologySpreadConstraints"),
    ],
)
def test_bad_specs_are_rejected(spec, error):
    with pytest.raises(InvalidSpec, match=error):
        make_spec(**spec)


def test_missing_required_secret_is_rejected():
    body = noveltool()
    del body["spec"]["secrets"]["databaseUrl"]
    with pytest.raises(InvalidSpec, match="databaseUrl"):
        parse_spec("shop", "ns", body["spec"])


def _pod(manifest):
    return manifest["spec"]["template"]["spec"]


def test_scheduling_is_shared_replaced_key_by_key_and_spread_by_default():
    spec = make_spec(
        scheduling={"nodeSelector": {"pool": "app"}, "tolerations": [{"key": "t", "operator": "Exists"}]},
        worker={"scheduling": {"nodeSelector": {"pool": "batch"}, "spreadByHostname": False}},
        realtime={
            "scheduling": {
                "topologySpreadConstraints": [
                    {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {}}
                ]
            }
        },
    )
    web = _pod(m.build_web_deployment(spec, "i"))
    assert web["nodeSelector"] == {"pool": "app"} and web["tolerations"] == [{"key": "t", "operator": "Exists"}]
    assert web["topologySpreadConstraints"] == [
        {
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": m.selector(spec, "web")},
        }
    ]
    worker = _pod(m.build_worker_deployment(spec, "i", 3))
    assert worker["nodeSelector"] == {"pool": "batch"} and "topologySpreadConstraints" not in worker
    # A constraint's own labelSelector is kept.
    (zone,) = _pod(m.build_realtime_deployment(spec, "i"))["topologySpreadConstraints"]
    assert (zone["topologyKey"], zone["labelSelector"]) == ("zone", {})
    job = _pod(m.build_migration_job(spec, "i"))
    assert job["nodeSelector"] == {"pool": "app"} and "topologySpreadConstraints" not in job
    # The same pod template at one replica as at ten: an autoscaler never rolls the pods.
    assert _pod(m.build_worker_deployment(make_spec(), "i", 1)) == _pod(m.build_worker_deployment(make_spec(), "i", 10))
    assert "affinity" not in _pod(m.build_web_deployment(make_spec(), "i"))


def test_metrics_port_and_environment_on_the_scraped_containers_only():
    spec = make_spec(metrics={"enabled": True, "port": 9200})
    for manifest in (
        m.build_web_deployment(spec, "i"),
        m.build_realtime_deployment(spec, "i"),
        m.build_worker_deployment(spec, "i", 1),
    ):
        container = _pod(manifest)["containers"][0]
        assert env_of(container)["METRICS_PORT"] == {"name": "METRICS_PORT", "value": "9200"}
        assert container["ports"][-1] == {"name": "metrics", "containerPort": 9200, "protocol": "TCP"}
    job = _pod(m.build_migration_job(spec, "i"))["containers"][0]
    assert "METRICS_PORT" not in env_of(job) and "ports" not in job
    off = make_spec()
    assert (off.metrics_enabled, off.metrics_port) == (False, 9102)
    worker = _pod(m.build_worker_deployment(off, "i", 1))["containers"][0]
    assert "ports" not in worker and "METRICS_PORT" not in env_of(worker)
    assert [p["name"] for p in _pod(m.build_web_deployment(off, "i"))["containers"][0]["ports"]] == ["http"]
