"""Unit tests of the operator's pure decisions: scaling, conditions, Job outcomes."""

import pytest

from novel_operator import status as st
from novel_operator.config import OperatorConfig
from novel_operator.migration import job_phase, revision_from_pods
from novel_operator.scaling import clamp_workers, desired_workers
from novel_operator.spec import Autoscaling

SCALING = Autoscaling(enabled=True, min_replicas=1, max_replicas=4, target_per_worker=5)


@pytest.mark.parametrize(("queue", "workers"), [(0, 1), (1, 1), (5, 1), (6, 2), (20, 4), (10_000, 4), (-3, 1)])
def test_desired_workers_stay_within_bounds(queue, workers):
    assert desired_workers(queue, SCALING) == workers


def test_min_zero_lets_workers_scale_to_zero():
    assert desired_workers(0, Autoscaling(True, 0, 3, 10)) == 0


@pytest.mark.parametrize(("current", "workers"), [(None, 1), (0, 1), (3, 3), (9, 4)])
def test_clamp_keeps_the_autoscaler_decision(current, workers):
    assert clamp_workers(current, SCALING) == workers


def test_condition_transition_time_moves_only_on_flips():
    first = st.set_condition([], st.READY, False, "NotAvailable", now="2026-01-01T00:00:00Z")
    same = st.set_condition(first, st.READY, False, "NotAvailable", now="2026-02-02T00:00:00Z")
    assert same == first
    flipped = st.set_condition(same, st.READY, True, "Available", now="2026-03-03T00:00:00Z")
    assert flipped[0]["lastTransitionTime"] == "2026-03-03T00:00:00Z"


def test_status_changes_hold_only_what_differs():
    assert st.status_changes({"a": 1, "b": [1]}, {"a": 1, "b": [1], "c": 2}) == {"c": 2}


def test_job_phase_reads_the_job_conditions():
    assert job_phase({}) == ("Running", "")
    assert job_phase({"status": {"conditions": [{"type": "Complete", "status": "True"}]}})[0] == "Succeeded"
    phase, message = job_phase(
        {
            "status": {
                "conditions": [
                    {"type": "Failed", "status": "True", "reason": "DeadlineExceeded", "message": "too slow"}
                ]
            }
        }
    )
    assert (phase, message) == ("Failed", "DeadlineExceeded: too slow")


def test_revision_comes_from_the_successful_pod_termination_message():
    failed = {"status": {"containerStatuses": [{"name": "migrate", "state": {"terminated": {"exitCode": 1}}}]}}
    ok = {
        "status": {
            "containerStatuses": [{"name": "migrate", "state": {"terminated": {"exitCode": 0, "message": "abc123\n"}}}]
        }
    }
    assert revision_from_pods([failed, ok]) == "abc123"
    assert revision_from_pods([failed]) is None


def test_backoff_grows_and_is_capped():
    config = OperatorConfig(retry_base=5, retry_max=60)
    assert [config.backoff(n) for n in range(6)] == [5, 10, 20, 40, 60, 60]


def test_config_from_environment(monkeypatch):
    monkeypatch.setenv("NOVEL_OPERATOR_TIMER_INTERVAL", "7")
    assert OperatorConfig.from_environment().timer_interval == 7.0
