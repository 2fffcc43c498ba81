"""The one way to commit apart from the request's transaction.

A request is one transaction (pyramid_tm). A few steps must be durable before
the request ends, or run where there is no request: a job row committed before
its task is sent (so a worker can read it), a revoked Google grant forgotten
even when the export that found it fails, every step of a background task.
Each service that does so says so in its interface docstring and uses this
helper, nothing else.
"""

import contextlib

import transaction

from novel_pyramid.db.sessions import tm_session


@contextlib.contextmanager
def own_transaction(session_factory):
    """Yield ``(transaction_manager, session)``; commit on leaving, roll back on an exception."""
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        yield manager, tm_session(session_factory, manager)
