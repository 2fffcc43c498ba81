"""What the tasks subsystem offers the others: a sender of tasks, found with ``find_service(ITaskSender)``.

Services that queue work are handed the sender rather than importing Celery
task objects: a task is named by its registered name (``novel_pyramid.jobs.extract_job``)
and its JSON arguments, so the subsystem that declares a task and the one that
sends it need not import each other.
"""

from zope.interface import Attribute, Interface


class ITaskSender(Interface):
    """Sends tasks to the broker (in eager mode: runs them in this process). One per process.

    A task is a ``(name, args)`` pair, or ``(name, args, task_id)`` to choose the
    broker's id of the task (a caller that records the id before sending it).
    Every method raises ``ServiceUnavailable``
    (503 with ``Retry-After``) when the broker cannot take the tasks; while the
    broker's circuit breaker is open it is not even asked.
    """

    def refuse_while_down():
        """Raise ``ServiceUnavailable`` now if the broker's breaker refuses calls, before anything is written."""

    def send(tasks):
        """Send ``tasks`` now; for work whose data is already committed (or that needs none)."""

    def send_after_commit(transaction_manager, tasks):
        """Send ``tasks`` once the current transaction of ``transaction_manager`` commits; never if it aborts.

        Returns an ``ISendOutcome``, to be checked once the transaction has
        committed: after-commit hooks cannot raise.
        """


class ISendOutcome(Interface):
    """What happened to tasks sent after a commit."""

    error = Attribute("The ``ServiceUnavailable`` raised while sending, or None.")

    def raise_for_error():
        """Raise ``error`` if sending failed."""
