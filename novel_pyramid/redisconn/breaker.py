"""A circuit breaker: after a few failures in a row, calls to a server are refused at once for a while.

A hung Redis (stopped process, full network buffer) accepts connections and
never answers, so every caller would wait out its own time-out. The breaker
turns that into one wait for the first few callers and an immediate refusal
for everyone else:

- *closed*: calls go through; ``failure_threshold`` outages in a row open it.
- *open*: calls are refused (``CircuitOpen``) for ``reset_seconds``.
- *half-open*: once that time has passed, one caller is let through as a trial
  while the others are still refused; its success closes the breaker, its
  failure opens it again for another ``reset_seconds``.

One breaker per server is shared by every client of the process
(``RedisConnections.breaker``): the rate limiter's time-out opens it for the
cache and the broker too.
"""

import contextlib
import logging
import math
import threading
import time

log = logging.getLogger(__name__)

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


class CircuitOpen(Exception):
    """A call was refused without being tried: the server failed just before."""

    def __init__(self, breaker):
        super().__init__(f"{breaker.name} is unreachable; calls are refused for {breaker.retry_after():.1f} s")
        self.breaker = breaker


class CircuitBreaker:
    """Thread-safe; ``clock`` is injectable for tests."""

    def __init__(self, name, *, failure_threshold=3, reset_seconds=5.0, clock=time.monotonic):
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._state = CLOSED
        self._failures = 0
        self._opened_at = 0.0
        # When the trial of the half-open state started; None when no trial runs.
        self._trial_started_at = None

    @property
    def state(self):
        with self._lock:
            return self._current_state()

    def _current_state(self):
        if self._state == OPEN and self.clock() - self._opened_at >= self.reset_seconds:
            return HALF_OPEN
        return self._state

    def allow(self):
        """Whether a call may be made now. True in the half-open state makes the caller the trial.

        A caller that is allowed must report the outcome with ``succeeded()`` or
        ``failed()`` (``abandon()`` when it made no call after all). A trial
        that never reports is given up after ``reset_seconds``, so a lost
        report cannot keep the breaker refusing for ever.
        """
        with self._lock:
            state = self._current_state()
            if state == CLOSED:
                return True
            if state == OPEN or self._trial_running():
                return False
            self._state = HALF_OPEN
            self._trial_started_at = self.clock()
            return True

    def refusing(self):
        """Whether a call would be refused now; unlike ``allow()``, never claims the trial."""
        with self._lock:
            state = self._current_state()
            return state == OPEN or (state == HALF_OPEN and self._trial_running())

    def _trial_running(self):
        started = self._trial_started_at
        return started is not None and self.clock() - started < self.reset_seconds

    def succeeded(self):
        with self._lock:
            was = self._current_state()
            self._state, self._failures, self._trial_started_at = CLOSED, 0, None
        if was != CLOSED:
            log.warning("%s answers again; calls go through again", self.name)

    def failed(self, error=None):
        with self._lock:
            was = self._current_state()
            self._failures += 1
            self._trial_started_at = None
            if was == CLOSED and self._failures < self.failure_threshold:
                return
            self._state, self._opened_at = OPEN, self.clock()
        if was == CLOSED:
            log.warning(
                "%s is unreachable (%s: %s); calls to it are refused at once for %.1f s",
                self.name,
                type(error).__name__,
                error,
                self.reset_seconds,
            )

    def abandon(self):
        """The allowed caller made no call: let the next one be the trial."""
        with self._lock:
            self._trial_started_at = None

    def retry_after(self):
        """Seconds until calls are tried again: what is left of the open period, else a full one."""
        with self._lock:
            if self._current_state() == OPEN:
                return max(0.0, self.reset_seconds - (self.clock() - self._opened_at))
            return self.reset_seconds

    def retry_after_header(self):
        """``retry_after()`` as a ``Retry-After`` value: whole seconds, at least 1."""
        return str(max(1, math.ceil(self.retry_after())))

    @contextlib.contextmanager
    def guard(self, outages):
        """Run the block as one call: ``CircuitOpen`` if refused; exceptions in ``outages`` count as failures."""
        if not self.allow():
            raise CircuitOpen(self)
        try:
            yield
        except outages as error:
            self.failed(error)
            raise
        except BaseException:
            # The server answered, or was never asked: not an outage.
            self.abandon()
            raise
        self.succeeded()

    def __repr__(self):
        return f"<CircuitBreaker {self.name} {self.state}>"


class NeverOpenBreaker:
    """The breaker of a backend that cannot be unreachable (this process's memory): allows every call."""

    name = "in-process backend"
    state = CLOSED
    reset_seconds = 0.0

    def allow(self):
        return True

    def refusing(self):
        return False

    def succeeded(self):
        pass

    def failed(self, error=None):
        pass

    def abandon(self):
        pass

    def retry_after(self):
        return 0.0

    def retry_after_header(self):
        return "1"

    @contextlib.contextmanager
    def guard(self, outages):
        yield


NEVER_OPEN = NeverOpenBreaker()
