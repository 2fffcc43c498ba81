"""Short transactions of our own, outside the web request's transaction.

The request's transaction commits only after the view has returned, too late
to answer 503 when the broker refuses a task, and v1's synchronous
``/process-pdf`` must commit its job before it waits for a worker. Tasks, too,
each run their steps in transactions of their own.
"""

import contextlib

import transaction

from novel_pyramid.db import tm_session


@contextlib.contextmanager
def own_transaction(session_factory):
    """Yield ``(transaction_manager, session)``; commit on leaving, roll back on an exception."""
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        yield manager, tm_session(session_factory, manager)
