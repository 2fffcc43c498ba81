"""Operator-level settings, read from the environment once at start-up."""

import dataclasses
import os


@dataclasses.dataclass(frozen=True)
class OperatorConfig:
    # How often the timer corrects drift and re-reads the queue length (the watches of
    # the Deployments and Jobs act at once; this is the fallback, and the queue's pace).
    timer_interval: float = 30.0
    # How soon to look again at a running migration Job if its watch missed its end.
    migration_poll: float = 10.0
    # Backoff for temporary errors: base * 2**retry, capped.
    retry_base: float = 5.0
    retry_max: float = 300.0
    # How often to look again for a timer that was busy when its NovelTool was
    # deleted; the finalizer is released only once the timer has stopped.
    exit_polling: float = 5.0
    # Apply (server-side) the CRD this operator was built with at start-up.
    manage_crd: bool = False
    # Serve the operator's own metrics (GET /metrics) on this port; None: not served.
    metrics_port: int | None = None

    @classmethod
    def from_environment(cls) -> "OperatorConfig":
        def number(name: str, default: float) -> float:
            return float(os.environ.get(name, default))

        return cls(
            timer_interval=number("NOVEL_OPERATOR_TIMER_INTERVAL", cls.timer_interval),
            migration_poll=number("NOVEL_OPERATOR_MIGRATION_POLL", cls.migration_poll),
            retry_base=number("NOVEL_OPERATOR_RETRY_BASE", cls.retry_base),
            retry_max=number("NOVEL_OPERATOR_RETRY_MAX", cls.retry_max),
            exit_polling=number("NOVEL_OPERATOR_EXIT_POLLING", cls.exit_polling),
            manage_crd=os.environ.get("NOVEL_OPERATOR_MANAGE_CRD", "").lower() in ("1", "true", "yes"),
            metrics_port=int(os.environ.get("NOVEL_OPERATOR_METRICS_PORT") or 0) or None,
        )

    def backoff(self, retry: int) -> float:
        return min(self.retry_max, self.retry_base * 2 ** min(retry, 16))
