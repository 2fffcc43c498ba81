"""Unit tests of the pure manifest builders: no cluster, every manifest validated against the API schemas."""

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
    ],
)
def test_every_built_manifest_is_valid_kubernetes(extra):
    spec = make_spec(**extra)
    for manifest in (
        m.build_configmap(spec),
        m.build_web_deployment(spec, spec.image),
        m.build_web_service(spec),
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
    for manifest in (m.build_web_deployment(spec, "i"), m.build_worker_deployment(spec, "i", 1)):
        labels = manifest["spec"]["template"]["metadata"]["labels"]
        assert manifest["spec"]["selector"]["matchLabels"].items() <= labels.items()
    service = m.build_web_service(spec)
    assert (
        service["spec"]["selector"].items()
        <= m.build_web_deployment(spec, "i")["spec"]["template"]["metadata"]["labels"].items()
    )


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"image": ""}, "image"),
        ({"worker": {"autoscaling": {"minReplicas": 3, "maxReplicas": 2}}}, "minReplicas"),
        ({"web": {"replicas": -1}}, "replicas"),
        ({"settings": {"unknown": 1}}, "unknown"),
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
