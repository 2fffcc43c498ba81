"""The services of the jobs subsystem, found with ``request.find_service(I...)`` in views and tasks."""

from zope.interface import Attribute, Interface


class IJobService(Interface):
    """The jobs of the API: every lookup is scoped to the user, another user's job is "not found".

    Per request. Reads, ``confirm``, ``cancel`` and ``delete`` work in the request's
    transaction. ``submit``, ``start`` and ``retry`` commit apart from it, in transactions
    of their own (``db.own_transaction``), and send their tasks once that has
    committed, so that a worker finds the job and a broker that is down
    answers 503 at once and leaves nothing behind. ``load`` and the waits read
    apart too, each poll in a short transaction, so they see what the workers commit.
    """

    def get(user_id, job_id):
        """The user's job, or ``NotFound``."""

    def page(user_id, *, limit, status=None, after=None):
        """Up to ``limit`` jobs, newest first, after the ``(created_at, id)`` key ``after``; and whether more follow.

        ``status`` is one status or several.
        """

    def sentences(job):
        """Every sentence of a completed job, in order."""

    def facts(jobs):
        """``{job id: JobFacts}`` of the user's ``jobs``: history entry, failed chunks, pricing rate, settlement."""

    def sentences_page(user_id, job_id, *, start, limit):
        """``(index, text)`` pairs of a completed job from ``start``, at most ``limit``; and whether more follow."""

    def cancel(user_id, job_id):
        """Stop a waiting, queued or running job (pending chunks are never started) and refund its reservation.

        Idempotent; ``Conflict`` once ended.
        """

    def confirm(user_id, *, estimated_credits, model_preference, sentence_length_limit, processing_settings):
        """Create a job waiting for its upload and reserve its credits, in the request's transaction.

        Stores the estimate, the preference's model and the pricing version on
        the job. ``InsufficientCredits`` (402) when the balance is short: the
        request's transaction then writes nothing, the job included.
        """

    def settled_credits(user_id, job_id):
        """``(job, settlement)`` of the user's ended job, its reservation closed (idempotent).

        ``Conflict`` while the job has not ended; ``NotFound`` when it reserved nothing.
        """

    def delete(user_id, job_id):
        """Delete a job and its chunks, cancelling a running one first; its history entry stays."""

    def submit(user_id, upload, sentence_length_limit, options=None, reservation=None):
        """Check the uploaded PDF cheaply, commit it as a queued job, send its extraction; the committed job.

        ``options`` are the processing options chosen (``processing_settings``);
        with a ``Reservation`` (an estimate's credits and model preference) the
        job reserves them in the same transaction: ``InsufficientCredits`` (402)
        writes nothing. Raises ``PayloadTooLarge``, ``InvalidPdf``, ``InvalidInput``
        or ``ServiceUnavailable``: at once, writing nothing, while the broker's
        breaker is open; else once the send failed (the job is then removed,
        its reservation given back).
        """

    def start(user_id, job_id, upload, sentence_length_limit, options):
        """Give the user's confirmed job (awaiting its upload) its PDF and queue it; the committed job.

        The upload is checked as ``submit`` checks one. ``sentence_length_limit``
        (None: the confirmed one) and ``options`` (``gemini_model`` and the
        ``ProcessingOptions`` by name; those left out keep what the job was
        confirmed with, else their defaults) are written out in the job's
        ``processing_settings``. The job moves to queued in one conditional
        UPDATE, so of two uploads for one job only one wins; its extraction is
        sent once that has committed and its broker id kept in ``task_id``.

        ``NotFound`` for another user's or an unknown job; ``Conflict`` once the
        job has its upload or has ended, for a ``gemini_model`` whose model
        is not the one the reservation priced, or for a file whose own estimate
        asks more credits than the job reserved (``IEstimateService.check_upload``); ``InvalidInput`` for a minimum
        sentence length over the limit; ``ServiceUnavailable`` while the broker
        is down, the job then still awaiting its upload (cancellable, its
        reservation intact).
        """

    def retry(user_id, job_id):
        """Send the failed chunks of a failed job again (the done ones are kept); the committed job.

        A job that reserved credits reserves again for the parts done again
        (their share of its estimate, rounded up; ``ICreditService.reserve_again``)
        and counts its tokens afresh (``round_tokens``): ``InsufficientCredits``
        (402) changes nothing.
        """

    def load(job_id):
        """The job as committed now, read apart (or None)."""

    def wait_until_finished(job_id, timeout):
        """Poll until the job ends or ``timeout`` passes; the job as committed then."""

    def wait_for_result(job_id, timeout):
        """Poll until the job ends or ``timeout`` passes: its sentences once ended, None while it still runs.

        A job that failed or was cancelled raises the domain error its failure maps to.
        """


class IJobRunner(Interface):
    """What the tasks do with a job. Process-wide; every step commits apart, in a short transaction of its own
    (``db.own_transaction``), so no transaction stays open while a normaliser works.
    """

    def extract(job_id, send):
        """Turn the job's upload into chunks, batch by batch; ``send(chunk_ids)`` after each batch has committed."""

    def normalize_chunk(chunk_id):
        """Normalise one chunk under a lease and record the outcome; finish the job if it was the last."""

    def fail_job(job_id):
        """End a job a task could not carry on (an unexpected error), unless it has ended or is held."""

    def fail_chunk(chunk_id):
        """Settle a chunk whose task failed unexpectedly, so its job can still finish (and be retried)."""


class ILeaseKeeper(Interface):
    """The heartbeat of one process, renewing the leases its tasks hold. Process-wide.

    Renewing and releasing commit apart, in transactions of their own (``db.own_transaction``).
    """

    timings = Attribute("The ``LeaseTimings`` of this process (lease, heartbeat and sweep periods).")

    def holding(model, token):
        """A context manager: renew the lease ``token`` on a row of ``model`` until the block ends."""

    def release(model, token):
        """Let the lease expire now, so a sweeper sends the work again at once (best effort)."""
