"""Rolling back: no migration Job of an earlier pass is reused, and an image older than the database is refused
unless spec.migration.onDowngrade says how (kmock and the real operator, and the pure plan)."""

import pytest

from novel_operator import constants as c
from novel_operator import manifests as m
from novel_operator.migration import plan_migration, remember
from novel_operator.spec import parse_spec

from .conftest import NAMESPACE, Cluster, eventually, noveltool
from .helpers import validate_k8s
from .test_events import reasons
from .test_operator import DEPLOYMENTS, JOBS, image_of, install

V1, V2 = "novel-pyramid:1.0", "novel-pyramid:2.0"


def spec_of(**spec):
    return parse_spec("shop", NAMESPACE, noveltool(**spec)["spec"])


def migrated(image, revision, history):
    return {"migratedImage": image, "migratedRevision": revision, "currentImage": image, "migrationHistory": history}


AT_V2 = migrated(V2, "rev2", [{"image": V1, "revision": "rev1"}, {"image": V2, "revision": "rev2"}])


def test_the_plan_for_each_case():
    assert plan_migration(spec_of(image=V2), AT_V2).action == "none"
    assert plan_migration(spec_of(image=V1, migration={"enabled": False}), AT_V2).action == "none"
    new = plan_migration(spec_of(image="novel-pyramid:3.0"), AT_V2)
    assert (new.action, new.image, new.from_revision) == ("upgrade", "novel-pyramid:3.0", "rev2")
    refused = plan_migration(spec_of(image=V1), AT_V2)
    assert refused.action == "refuse"
    assert "left the database at revision rev1" in refused.message and "rev2" in refused.message
    down = plan_migration(spec_of(image=V1, migration={"onDowngrade": "downgrade"}), AT_V2)
    assert (down.action, down.image, down.from_revision, down.downgrade_to) == ("downgrade", V2, "rev2", "rev1")
    assert plan_migration(spec_of(image=V1, migration={"onDowngrade": "allowNewerSchema"}), AT_V2).action == (
        "newerSchema"
    )
    # An image whose migration left the database where it is: an upgrade, which changes nothing.
    same = migrated(V2, "rev1", [{"image": V1, "revision": "rev1"}, {"image": V2, "revision": "rev1"}])
    assert plan_migration(spec_of(image=V1), same).action == "upgrade"
    # A first install starts from nothing.
    assert plan_migration(spec_of(image=V1), {}).from_revision == ""


def test_the_history_is_bounded_and_a_downgrade_forgets_the_newer_images():
    status = {"migrationHistory": [{"image": f"i:{n}", "revision": f"r{n}"} for n in range(c.MAX_MIGRATION_HISTORY)]}
    after = remember(status, "i:new", "rnew")
    assert len(after) == c.MAX_MIGRATION_HISTORY and after[-1] == {"image": "i:new", "revision": "rnew"}
    assert after[0]["image"] == "i:1"
    assert remember(AT_V2, V1, "rev1", downgraded=True) == [{"image": V1, "revision": "rev1"}]
    assert remember(AT_V2, V1, "rev1") == [{"image": V2, "revision": "rev2"}, {"image": V1, "revision": "rev1"}]


def test_jobs_are_keyed_by_image_and_starting_revision():
    spec = spec_of()
    assert m.migration_job_name(spec, V1, "") != m.migration_job_name(spec, V1, "rev2")
    assert m.migration_job_name(spec, V1, "rev2") == m.migration_job_name(spec, V1, "rev2")
    down = m.build_migration_job(spec, V2, "rev2", downgrade_to="rev1")
    validate_k8s(down)
    assert down["metadata"]["name"].startswith("shop-downgrade-") and len(down["metadata"]["name"]) <= 63
    container = down["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == V2 and container["command"][:2] == ["python", "-c"]
    assert container["command"][-1] == "rev1"
    assert down["metadata"]["annotations"][c.MIGRATION_TARGET_ANNOTATION] == "rev1"
    compile(c.DOWNGRADE_SCRIPT, "downgrade", "exec")


async def to_v2(k8s: Cluster) -> tuple[str, str]:
    first = await install(k8s, image=V1, revision="rev1")
    await k8s.patch_spec({"image": V2})
    second = await eventually(lambda: [j for j in k8s.names(JOBS) if j != first], message="the Job of 2.0")
    await k8s.finish_job(second[0], succeeded=True, revision="rev2")
    await eventually(lambda: image_of(k8s, "shop-web") == V2 and image_of(k8s, "shop-worker") == V2)
    await eventually(lambda: k8s.noveltool()["status"].get("migratedRevision") == "rev2")
    return first, second[0]


@pytest.mark.asyncio
async def test_a_rollback_below_the_database_is_refused_then_allowed_on_the_newer_schema(
    k8s: Cluster, running_operator: None
) -> None:
    first, second = await to_v2(k8s)
    await k8s.patch_spec({"image": V1})

    degraded = await eventually(
        lambda: k8s.condition("Degraded").get("reason") == "RollbackRefused" and k8s.condition("Degraded"),
        message="RollbackRefused",
    )
    assert degraded["status"] == "True" and "rev1" in degraded["message"] and "rev2" in degraded["message"]
    assert k8s.condition("Ready")["status"] == "False"
    await eventually(lambda: "RollbackRefused" in reasons(k8s), message="a RollbackRefused Event")
    # The Job of 1.0 still exists and is neither reused nor run again; 2.0 keeps serving.
    assert k8s.names(JOBS) == sorted([first, second])
    status = k8s.noveltool()["status"]
    assert (status["migratedRevision"], status["currentImage"]) == ("rev2", V2)
    assert image_of(k8s, "shop-web") == V2

    await k8s.patch_spec({"migration": {"onDowngrade": "allowNewerSchema"}})
    await eventually(lambda: image_of(k8s, "shop-web") == V1, message="1.0 on the newer schema")
    await eventually(lambda: k8s.condition("Migrated").get("reason") == "NewerSchemaAllowed")
    assert k8s.condition("Degraded")["status"] == "False"
    assert k8s.noveltool()["status"]["migratedRevision"] == "rev2"
    assert k8s.names(JOBS) == sorted([first, second])


@pytest.mark.asyncio
async def test_a_rollback_with_downgrade_runs_the_newer_images_downgrade_then_rolls(
    k8s: Cluster, running_operator: None
) -> None:
    first, second = await to_v2(k8s)
    await k8s.patch_spec({"image": V1, "migration": {"onDowngrade": "downgrade"}})

    (down,) = await eventually(
        lambda: [j for j in k8s.names(JOBS) if j.startswith("shop-downgrade-")], message="the downgrade Job"
    )
    container = k8s.get(JOBS, down)["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == V2 and container["command"][-1] == "rev1"
    # The newer version serves while the schema goes down.
    assert image_of(k8s, "shop-web") == V2
    await k8s.finish_job(down, succeeded=True, revision="rev1")
    await eventually(lambda: image_of(k8s, "shop-web") == V1, message="1.0 rolled out")
    status = await eventually(
        lambda: k8s.noveltool()["status"].get("migratedRevision") == "rev1" and k8s.noveltool()["status"]
    )
    assert status["migratedImage"] == V1
    assert status["migrationHistory"] == [{"image": V1, "revision": "rev1"}]
    assert "downgraded to rev1" in k8s.condition("Migrated")["message"]

    # Forward again: a new Job for 2.0 from rev1, not the week-old one that reported rev2.
    await k8s.patch_spec({"image": V2})
    # The pass the operator waits for is the one its status records.
    third = await eventually(
        lambda: (
            (k8s.noveltool()["status"].get("migrationJob") or {}).get("name") not in (None, first, second, down)
            and k8s.noveltool()["status"]["migrationJob"]["name"]
        ),
        message="a new Job of 2.0",
    )
    await eventually(lambda: k8s.get(JOBS, third), message="the Job itself")
    assert k8s.get(JOBS, third)["metadata"]["annotations"][c.MIGRATION_FROM_ANNOTATION] == "rev1"
    assert image_of(k8s, "shop-web") == V1
    await k8s.finish_job(third, succeeded=True, revision="rev2")
    await eventually(lambda: image_of(k8s, "shop-web") == V2, message="2.0 again")
    assert k8s.get(DEPLOYMENTS, "shop-worker")


@pytest.mark.asyncio
async def test_a_spec_edit_while_a_migration_runs_keeps_its_job(k8s: Cluster, running_operator: None) -> None:
    first = await install(k8s, image=V1, revision="rev1")
    await k8s.patch_spec({"image": V2})
    (job,) = await eventually(lambda: [j for j in k8s.names(JOBS) if j != first], message="the Job of 2.0")
    await k8s.patch_spec({"web": {"replicas": 3}})  # a new generation
    await eventually(lambda: k8s.noveltool()["status"].get("observedGeneration") == 3, message="generation 3")
    assert k8s.names(JOBS) == sorted([first, job])
    assert k8s.noveltool()["status"]["migrationJob"]["name"] == job
    await k8s.finish_job(job, succeeded=True, revision="rev2")
    await eventually(lambda: image_of(k8s, "shop-web") == V2, message="2.0")
    await eventually(lambda: "migrationJob" not in k8s.noveltool()["status"], message="the pass recorded as over")
