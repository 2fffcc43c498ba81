"""What the other subsystems call to record a fact; they never import ``prometheus_client`` themselves.

Each function is cheap (a dictionary lookup and a locked addition, or an
``mmap`` write in multiprocess mode), so the code that knows a fact records it
where it happens. Label values come from small fixed sets (route names, states,
model names from the settings, bucket names): never from a path, an id or a
user's input.
"""

import os
import re
import weakref

from sqlalchemy import event

from novel_pyramid.metrics.registry import current

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Requests that matched no route (404s of unknown paths) share one label value.
NO_ROUTE = "none"
# Pending records of a session, run once it commits (``after_commit``).
PENDING = "metrics.pending"


def observe_request(route, method, status, seconds):
    """One answered HTTP request."""
    metrics = current()
    children = metrics.request_children
    key = (route, method, status)
    pair = children.get(key)
    if pair is None:
        if method not in METHODS:
            method = "other"
        pair = children[key] = (
            metrics.http_requests.labels(route, method, str(status)),
            metrics.http_duration.labels(route),
        )
    pair[0].inc()
    pair[1].observe(seconds)


def count_job_state(state):
    """A job entered ``state`` (a ``JobStatus`` value), once its transaction committed."""
    current().job_transitions.labels(str(state)).inc()


def count_job_state_after_commit(db, state):
    """A job enters ``state`` in ``db``'s transaction: counted once it commits, never after a rollback."""
    after_commit(db, lambda: count_job_state(state))


def observe_chunk(normalizer, outcome, seconds):
    """A normaliser rewrote a chunk (``outcome`` done) or failed on it (failed) after ``seconds``."""
    current().chunk_duration.labels(normalizer, outcome).observe(seconds)


def count_model_call(model, outcome):
    """One request sent to ``model``; ``outcome`` ok, bad_answer, rate_limited, timeout or error."""
    current().model_calls.labels(model, outcome).inc()


def count_model_tokens(model, input_tokens, output_tokens):
    metrics = current()
    if input_tokens:
        metrics.model_tokens.labels(model, "input").inc(input_tokens)
    if output_tokens:
        metrics.model_tokens.labels(model, "output").inc(output_tokens)


def count_credits_after_commit(db, reason, delta_credits):
    """A ledger entry of ``delta_credits`` (negative: spent) for ``reason``, counted once ``db`` commits."""
    if delta_credits:
        after_commit(db, lambda: count_credits(reason, delta_credits))


def count_credits(reason, delta_credits):
    metrics = current()
    if delta_credits < 0:
        metrics.credits_spent.labels(str(reason)).inc(-delta_credits)
    elif delta_credits > 0:
        metrics.credits_returned.labels(str(reason)).inc(delta_credits)


_VERSION = re.compile(r"\.v\d+$")
_kinds = {}


def key_kind(key):
    """``accounts.settings.v2:17`` -> ``accounts.settings``: the cache key's namespace, its version dropped."""
    namespace = key.partition(":")[0]
    kind = _kinds.get(namespace)
    if kind is None:
        kind = _kinds[namespace] = _VERSION.sub("", namespace)
    return kind


def count_cache(key, hit):
    """One cache lookup of ``key``: a hit, or a miss (the value was read from its source)."""
    current().cache_lookups.labels(key_kind(key), "hit" if hit else "miss").inc()


def count_cache_many(keys, hits):
    """A lookup of many ``keys`` at once, of which the ``hits`` (a collection of keys) were found."""
    lookups = current().cache_lookups
    for key in keys:
        lookups.labels(key_kind(key), "hit" if key in hits else "miss").inc()


def count_rate_limit_refusal(bucket):
    current().ratelimit_refusals.labels(bucket).inc()


def count_task(task, state):
    """A Celery task ended in ``state`` (SUCCESS, FAILURE, RETRY...)."""
    current().tasks.labels(task, state or "unknown").inc()


def realtime_client_connected():
    current().realtime_clients.inc()


def realtime_client_disconnected():
    current().realtime_clients.dec()


def count_emit(event_name):
    current().realtime_emits.labels(event_name).inc()


def after_commit(db, record):
    """Run ``record()`` once the session ``db`` commits; forget it if it rolls back."""
    pending = db.info.get(PENDING)
    if pending is None:
        pending = db.info[PENDING] = []
        event.listen(db, "after_commit", _run_pending)
        event.listen(db, "after_rollback", _forget_pending)
    pending.append(record)


def _run_pending(session):
    pending = session.info.get(PENDING) or []
    records = list(pending)
    pending.clear()
    for record in records:
        record()


def _forget_pending(session):
    pending = session.info.get(PENDING)
    if pending:
        pending.clear()


# Pools already counted: tests hand one engine to many applications.
_instrumented_pools = weakref.WeakSet()


def instrument_pool(engine):
    """Count the connections ``engine``'s pool hands out, and its size, from the pool's own events."""
    pool = engine.pool
    if pool in _instrumented_pools:
        return
    _instrumented_pools.add(pool)
    size = pool.size() if hasattr(pool, "size") else 0
    sized_in = set()

    def checked_out(dbapi_connection, connection_record, connection_proxy):
        metrics = current()
        key = (os.getpid(), id(metrics))
        if key not in sized_in:
            # At the first checkout of each process that uses the pool (a forked
            # worker inherits it), never in a parent that only built the application.
            sized_in.add(key)
            metrics.db_pool_size.inc(size)
        metrics.db_checked_out.inc()

    def checked_in(dbapi_connection, connection_record):
        current().db_checked_out.dec()

    event.listen(pool, "checkout", checked_out)
    event.listen(pool, "checkin", checked_in)
