"""Scale-down stabilisation: up at once, down only to the highest recommendation of the window."""

import datetime

import pytest

from novel_operator import constants as c
from novel_operator.scaling import (
    Recommendation,
    decide,
    dump_recommendations,
    load_recommendations,
    stabilize,
)
from novel_operator.spec import Autoscaling, parse_spec

from .conftest import NAMESPACE, noveltool

WINDOW = 300
T0 = 1_800_000_000.0


def run(readings, *, window=WINDOW, step=30.0):
    """Feed desired counts one per tick, as the timer does; return the replicas chosen at each tick."""
    history: list[Recommendation] = []
    current = None
    chosen = []
    for tick, desired in enumerate(readings):
        current, history = stabilize(desired, history, now=T0 + tick * step, window=window, current=current)
        chosen.append(current)
    return chosen


def test_scale_up_is_immediate():
    assert run([1, 2, 5, 8]) == [1, 2, 5, 8]


def test_scale_down_waits_for_the_window():
    # Ticks every 30 s with a 300 s window: the 6 of tick 0 holds until tick 10.
    chosen = run([6] + [1] * 12)
    assert chosen[:10] == [6] * 10
    assert chosen[10:] == [1, 1, 1]


def test_scale_down_goes_to_the_highest_recommendation_still_in_the_window():
    chosen = run([6, 4, 2] + [1] * 12)
    assert chosen[9] == 6
    assert chosen[10] == 4  # the 6 expired, the 4 of tick 1 has not
    assert chosen[11] == 2
    assert chosen[12] == 1


def test_a_spike_inside_the_window_holds_the_replicas():
    # A queue that drains and refills: without stabilisation it would flap 5,1,5,1...
    assert run([5, 1, 1, 5, 1, 1, 1, 5, 1, 1]) == [5] * 10
    assert run([5, 1, 1, 5, 1, 1, 1, 5, 1, 1], window=0) == [5, 1, 1, 5, 1, 1, 1, 5, 1, 1]


def test_window_zero_scales_down_at_once_and_remembers_nothing():
    replicas, history = stabilize(1, [Recommendation(T0 - 1, 9)], now=T0, window=0, current=9)
    assert (replicas, history) == (1, [])


def test_never_above_the_current_count_when_the_queue_shrinks():
    # The window holds a 6 but the workers run 3 (the bounds were lowered meanwhile):
    # a shrinking queue must not scale them up.
    replicas, _ = stabilize(2, [Recommendation(T0 - 10, 6)], now=T0, window=WINDOW, current=3)
    assert replicas == 3
    assert stabilize(4, [Recommendation(T0 - 10, 6)], now=T0, window=WINDOW, current=3)[0] == 4


def test_history_is_a_short_decreasing_list():
    _, history = stabilize(3, [Recommendation(T0 - 20, 5), Recommendation(T0 - 10, 2)], now=T0, window=WINDOW)
    assert history == [Recommendation(T0 - 20, 5), Recommendation(T0, 3)]
    # Expired entries, and entries from too far in the future (the clock went back), are dropped.
    _, history = stabilize(1, [Recommendation(T0 - WINDOW, 9), Recommendation(T0 + WINDOW, 8)], now=T0, window=WINDOW)
    assert history == [Recommendation(T0, 1)]


def test_a_long_history_is_merged_conservatively():
    many = [Recommendation(T0 - 100 + n, 100 - n) for n in range(40)]
    replicas, history = stabilize(1, many, now=T0, window=WINDOW, current=100)
    assert replicas == 100 and len(history) == c.MAX_RECOMMENDATIONS
    # Merging keeps the highest value, at the later time: never an earlier scale-down.
    for later in (T0 + 200, T0 + 220, T0 + 239):
        exact, _ = stabilize(1, many, now=later, window=WINDOW, current=100)
        merged, _ = stabilize(1, history, now=later, window=WINDOW, current=100)
        assert merged >= exact


def test_recommendations_survive_the_round_trip_through_the_status():
    history = [Recommendation(T0 + 0.25, 5), Recommendation(T0 + 30.5, 2)]
    stored = dump_recommendations(history)
    assert stored[0] == {"time": "2027-01-15T08:00:00.250000Z", "replicas": 5}
    assert load_recommendations({"workerRecommendations": stored}) == history
    assert dump_recommendations([]) is None
    hand_edited = {"workerRecommendations": [{"time": "yesterday", "replicas": 3}, {"replicas": 2}, *stored]}
    assert load_recommendations(hand_edited) == history


def test_decide_reads_and_writes_the_status():
    scaling = Autoscaling(enabled=True, min_replicas=1, max_replicas=4, target_per_worker=5)
    replicas, stored = decide(100, scaling, {}, now=T0)
    assert (replicas, [r["replicas"] for r in stored]) == (4, [4])
    status = {"workerReplicas": 4, "workerRecommendations": stored}
    assert decide(0, scaling, status, now=T0 + 60) == (4, stored)
    # After the window: the minimum, and nothing left to remember (no status write when idle).
    assert decide(0, scaling, status, now=T0 + WINDOW) == (1, None)


def test_decide_keeps_within_bounds_lowered_since():
    scaling = Autoscaling(enabled=True, min_replicas=1, max_replicas=2, target_per_worker=5)
    stored = dump_recommendations([Recommendation(T0 - 10, 8)])
    assert decide(0, scaling, {"workerReplicas": 8, "workerRecommendations": stored}, now=T0)[0] == 2


@pytest.mark.parametrize(("given", "window"), [({}, 300), ({"scaleDownStabilizationSeconds": 0}, 0)])
def test_the_window_comes_from_the_spec(given, window):
    spec = parse_spec("shop", NAMESPACE, noveltool(worker={"autoscaling": {"enabled": True, **given}})["spec"])
    assert spec.autoscaling.scale_down_stabilization == window


def test_timestamps_are_utc():
    (stored,) = dump_recommendations([Recommendation(0.0, 2)])
    assert datetime.datetime.fromisoformat(stored["time"]) == datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
