"""The history subsystem's service, the one writer of the ``history`` table."""

from zope.interface import Interface


class IHistoryService(Interface):
    """The user's history of processed uploads: listed, deleted, and written when jobs end or are exported
    and when sentences are imported (``record_import``).

    Every write joins the caller's transaction (the request's, or a task's own);
    nothing here commits apart.
    """

    def latest(user_id, limit):
        """The newest ``limit`` entries of the user, newest first, as the API shows them.

        A ``HistoryPage``: iterating gives the entries as data; a view returns it as it is.
        """

    def page(user_id, *, limit, before_id=None):
        """Up to ``limit`` entries, the newest made first, with ids below ``before_id``; and whether more follow."""

    def delete(user_id, entry_id):
        """Delete one of the user's entries; ``NotFound`` when the user has no such entry."""

    def get(user_id, entry_id):
        """The user's entry; ``NotFound`` when the user has no such entry."""

    def record_job_end(job, completed, sentences=None):
        """Write (or, after a retry, rewrite) the one entry of a job that ended; ``completed`` or not.

        The entry keeps the job's settings ({sentence_length, gemini_model,
        advanced_options}), its error code and the step it failed at, and
        ``sentences`` (``[{"normalized", "original"}]``) as its snapshot; None
        leaves it without one (its detail then reads the job's chunks).
        """

    def record_import(user_id, filename, sentences):
        """Write a completed entry holding ``sentences`` (texts) that no job made; the entry.

        Sentences imported from elsewhere (a Google Sheet) so a coverage run can
        read them as a ``history`` source: the snapshot is ``[{"normalized",
        "original"}]`` with both the text, the count is theirs, and the entry has
        no job, settings, error or spreadsheet URL. ``filename`` is cut to the column.
        """

    def store_snapshot(entry, sentences):
        """Make ``sentences`` (``[{"normalized", "original"}]``) the entry's snapshot and its count."""

    def record_entry_export(entry, url, new_spreadsheet):
        """Keep the spreadsheet ``url`` the entry was exported to (an append only fills an entry without one)."""

    def record_job_export(user_id, job_id, url, new_spreadsheet):
        """Keep the spreadsheet ``url`` a job was exported to on the job's entry.

        An append (not ``new_spreadsheet``) only fills an entry still without a URL.
        """

    def record_sentences_export(user_id, sentence_count, produced, url, new_spreadsheet):
        """Keep ``url`` on the entry of the job that produced the exported sentences (v1 exports).

        ``produced(job_id)`` tells whether a job's output is exactly those
        sentences; without such a job, the newest entry still without a URL
        takes it. An append only fills an entry still without a URL.
        """

    def newest_filename(user_id):
        """The original file name of the user's newest entry, None when there is none."""
