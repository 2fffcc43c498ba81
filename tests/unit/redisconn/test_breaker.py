"""The circuit breaker: closed, open after failures in a row, one trial once the pause is over."""

import logging
import threading

import pytest
import redis

from novel_pyramid.redisconn import OUTAGES, CircuitBreaker, CircuitOpen


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def breaker(clock):
    return CircuitBreaker("Redis at test:6379", failure_threshold=3, reset_seconds=5, clock=clock)


def fail(breaker, times=1):
    for _ in range(times):
        breaker.failed(redis.TimeoutError("Timeout reading from socket"))


def test_it_opens_after_the_threshold_of_failures_in_a_row(breaker):
    fail(breaker, 2)
    assert breaker.state == "closed" and breaker.allow()
    fail(breaker)
    assert breaker.state == "open"
    assert not breaker.allow() and breaker.refusing()


def test_a_success_between_failures_starts_the_count_again(breaker):
    fail(breaker, 2)
    breaker.succeeded()
    fail(breaker, 2)
    assert breaker.state == "closed"


def test_after_the_reset_time_one_trial_goes_through_and_the_others_are_refused(breaker, clock):
    fail(breaker, 3)
    clock.now += 5
    assert breaker.state == "half-open" and not breaker.refusing()
    assert breaker.allow()  # this caller is the trial
    assert breaker.refusing()
    assert not breaker.allow()


def test_a_successful_trial_closes_it(breaker, clock, caplog):
    fail(breaker, 3)
    clock.now += 5
    assert breaker.allow()
    with caplog.at_level(logging.WARNING):
        breaker.succeeded()
    assert breaker.state == "closed" and breaker.allow()
    assert any("answers again" in r.getMessage() for r in caplog.records)


def test_a_failed_trial_opens_it_for_another_period(breaker, clock):
    fail(breaker, 3)
    clock.now += 5
    assert breaker.allow()
    fail(breaker)
    assert breaker.state == "open"
    clock.now += 4.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.allow()


def test_a_trial_that_never_reports_is_given_up_after_the_reset_time(breaker, clock):
    fail(breaker, 3)
    clock.now += 5
    assert breaker.allow()
    clock.now += 5
    assert breaker.allow()  # a new trial, not refused for ever


def test_an_abandoned_trial_lets_the_next_caller_try(breaker, clock):
    fail(breaker, 3)
    clock.now += 5
    assert breaker.allow()
    breaker.abandon()
    assert breaker.allow()


def test_retry_after_is_what_is_left_of_the_open_period_in_whole_seconds(breaker, clock):
    assert breaker.retry_after_header() == "5"
    fail(breaker, 3)
    clock.now += 3.5
    assert breaker.retry_after() == pytest.approx(1.5)
    assert breaker.retry_after_header() == "2"
    clock.now += 1.4
    assert breaker.retry_after_header() == "1"


def test_one_warning_when_it_opens_none_while_it_stays_open(breaker, caplog):
    with caplog.at_level(logging.WARNING):
        fail(breaker, 10)
    [warning] = caplog.records
    assert "Redis at test:6379 is unreachable (TimeoutError" in warning.getMessage()


def test_guard_counts_outages_and_lets_other_errors_through_uncounted(breaker):
    for _ in range(5):
        with pytest.raises(ValueError):
            with breaker.guard(OUTAGES):
                raise ValueError("the server answered; our code failed")
    assert breaker.state == "closed"
    for _ in range(3):
        with pytest.raises(redis.ConnectionError):
            with breaker.guard(OUTAGES):
                raise redis.ConnectionError("refused")
    with pytest.raises(CircuitOpen, match="refused for 5.0 s"):
        with breaker.guard(OUTAGES):
            pytest.fail("an open breaker runs nothing")


def test_concurrent_callers_of_a_half_open_breaker_make_exactly_one_trial(breaker, clock):
    fail(breaker, 3)
    clock.now += 5
    allowed = []
    start = threading.Barrier(20)

    def caller():
        start.wait()
        allowed.append(breaker.allow())

    threads = [threading.Thread(target=caller) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 1
