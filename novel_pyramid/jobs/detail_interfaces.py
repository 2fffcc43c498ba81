"""The details of a job as its history entry shows them (``jobs.details``), found with ``request.find_service``."""

from zope.interface import Interface


class IJobDetails(Interface):
    """A job's chunks and sentence pairs, and what the history detail does with them. Per request.

    Every lookup is scoped to the user: another user's job or entry is "not
    found". Reads and ``refresh_entry`` work in the request's transaction;
    ``retry_entry`` goes through ``IJobService.retry``, which commits apart.
    """

    def chunks(user_id, job_id):
        """The user's job's chunks in order (``NotFound`` for another user's job)."""

    def pairs(user_id, job_id):
        """The user's job's output as ``[{"normalized", "original"}]``, in order (``sentence_pairs``)."""

    def entry_detail(user_id, entry_id):
        """An ``EntryDetail``: the user's history entry, its sentences and where they were read, its job's chunks."""

    def refresh_entry(user_id, entry_id):
        """Rebuild the entry's snapshot from its ended job's chunks; the new ``EntryDetail``.

        ``Conflict`` when the job was deleted or is still running.
        """

    def retry_entry(user_id, entry_id):
        """Send the failed chunks of the entry's job again; the entry.

        ``Conflict`` when there is nothing to retry: the job did not fail,
        failed before any part of the book was read, or was deleted.
        """

    def entry_sentences(user_id, entry_id):
        """``(pairs, source)`` of the entry: its snapshot, else its job's chunks, else ``([], "snapshot")``."""
