"""The coverage subsystem's services, found with ``request.find_service(I...)`` in views and tasks."""

from zope.interface import Interface


class ICoverageService(Interface):
    """The coverage runs of the API: the one writer of ``coverage_runs`` and ``coverage_assignments``.

    Per request. Every lookup is scoped to the user: another user's run, job,
    history entry or word list is "not found". ``start`` commits apart from the
    request (``db.own_transaction``): the run and its charge in one transaction,
    then its task is sent; a broker that is down answers 503 and takes the run
    and its charge back. Everything else works in the request's transaction and
    announces ``CoverageRunChanged`` once that commits.
    """

    def price(mode, source_count):
        """What a run of ``mode`` over ``source_count`` sources costs, in credits."""

    def start(user, body):
        """Check the validated ``body`` of ``POST /coverage/run``, charge the run, commit it and send its task.

        Returns the run as committed (completed already when tasks run in-process).
        ``NotFound`` for a source or word list the user cannot read, ``Conflict``
        for a job that has not completed or a source without sentences,
        ``InvalidInput`` for an empty word list or a bad config,
        ``InsufficientCredits`` (402) when the balance is short: nothing written.
        """

    def get(user_id, run_id):
        """The user's run, or ``NotFound``."""

    def page(user_id, *, limit, before_id=None):
        """Up to ``limit`` runs, newest first, with ids below ``before_id``; and whether more follow."""

    def assignments(run, *, offset, limit):
        """``(assignments, total)``: the run's assignments by word key, from ``offset``."""

    def swap(user_id, run_id, word_key, sentence_index):
        """Give ``word_key`` the corpus sentence ``sentence_index`` instead; the changed assignment.

        ``NotFound`` when the run has no such word, ``InvalidInput`` for a sentence
        that does not contain it or is not in the corpus, ``Conflict`` for a run
        that has not completed or is a filter run (it assigns sentences, not words).
        """

    def completed(user_id, run_id):
        """The user's completed run (what diagnosis, download and export read); ``Conflict`` before it completes."""

    def export(user, run_id, sheet_name, folder_id=None):
        """Write the completed run's learning set to a new Google spreadsheet; the exporter's ``ExportResult``."""

    def import_from_sheet(user, sheet_url):
        """Read sentences from the first tab of the user's Google Sheet into a new history entry; the entry.

        The entry, written through ``IHistoryService.record_import`` in the
        request's transaction, is then a ``history`` source of runs like any
        other. ``InvalidInput`` naming ``sheet_url`` for an address that is none,
        a sheet the user cannot open, no sentences, too many
        (``coverage.import_max_sentences``) or one too long; ``Forbidden`` without
        a Google grant: nothing written.
        """


class ICoverageRunner(Interface):
    """What the run's task does. Process-wide; each step commits apart, in a short transaction of its own
    (``db.own_transaction``), and announces ``CoverageRunChanged`` once committed.
    """

    def run(run_id):
        """Read the corpus, key it, cover or filter, and write the results; idempotent for an ended run."""

    def fail(run_id, message):
        """End a run its task could not carry on, refunding its charge, unless it has ended."""
