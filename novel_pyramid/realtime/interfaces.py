"""What the realtime subsystem offers the others: a publisher of job progress, found with ``find_service``.

Live progress reaches the browser over Socket.IO (docs/realtime.md): a client
joins the room of one of its jobs and receives the job's state, the Job JSON of
``GET /api/v1/credits/jobs/{id}``, every time it changes.
"""

from zope.interface import Interface


class IProgressPublisher(Interface):
    """Tells the clients following a job that it changed. Process-wide, one per process; thread-safe.

    Call ``job_changed(job_id)`` after a commit that changed the job's row
    (a chunk ended, the job changed status, or every few seconds while it runs),
    from a Celery task or a web request alike::

        registry = ...  # the task's or the request's registry
        blank_request(registry).find_service(IProgressPublisher).job_changed(job.id)

    or, where no request is at hand, ``novel_pyramid.realtime.publish_job_changed(registry, job_id)``.

    ``realtime`` imports ``jobs`` (the Job JSON, ``IJobService``), so ``jobs`` must
    not import ``realtime`` (tests/unit/test_import_graph.py). The job's code
    announces the change instead, and this package listens: an event class in
    ``jobs`` (``JobChanged`` with a ``job_id``), sent with
    ``registry.notify(JobChanged(job_id))`` after each commit, and in this
    package's ``includeme``::

        config.add_subscriber(lambda event: publisher.job_changed(event.job_id), JobChanged)

    A process publishes only if it includes ``novel_pyramid.realtime``: the web
    application (``novel_pyramid.includes`` in both INI files) and, for the
    workers, ``WORKER_INCLUDES`` of ``novel_pyramid.tasks.celery_app``.

    The publisher reads the job as committed (in a short transaction of its own)
    and emits it. With ``redis_url`` set it publishes through Redis (a write-only
    Socket.IO manager), so the realtime process delivers it whichever process
    called; without Redis it emits in this process, which then must be the one
    serving Socket.IO (``make serve``: one process, tasks run in it).

    Calls are throttled per job: at most one emit per ``realtime.throttle_ms``;
    a call inside that window schedules one emit at its end, which reads the
    state then, so the latest state always goes out. A job that has ended is
    emitted at once, never held back. The call never blocks on the network for
    long nor raises: progress is a courtesy to the user, not part of the job.
    """

    def job_changed(job_id):
        """Emit the job's current state to its room now, or at the end of its throttle window."""

    def coverage_run_changed(run_id):
        """The same for a coverage run (``coverage_progress``, the CoverageRun of ``GET /api/v1/coverage/runs/{id}``).

        ``coverage`` announces ``CoverageRunChanged(run_id)`` as ``jobs`` announces ``JobChanged``.
        """

    def flush():
        """Emit every delayed state now (tests, a worker about to stop)."""
