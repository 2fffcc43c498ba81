"""The estimates subsystem's services: what an upload or a text would cost, and the extraction kept from it."""

from zope.interface import Interface


class IEstimateService(Interface):
    """Estimates for the frontend's estimate step, and the checks that make a reservation match one.

    Every estimate answered is recorded (``issued_estimates``) in the request's
    transaction; nothing here commits apart from it.
    """

    def extract_text(upload):
        """``PdfText`` of the multipart field ``upload``: its paragraphs' text and its page count.

        Raises ``PayloadTooLarge`` over ``max_file_size`` and ``InvalidPdf`` for a file we cannot read.
        """

    def estimate(user_id, upload, model_preference):
        """``PdfEstimate`` of what normalising ``upload`` with ``model_preference`` would cost, recorded.

        The PDF is extracted once, into the chunks a job would send; the tokens
        are counted from their text. Over ``credits.estimate.max_pages`` pages,
        only the chunks of the first ones are read and their tokens scaled to the
        whole book (``capped``, with a ``warning``); a whole book's extraction is
        kept (``IExtractionStore``) for the job that follows.
        """

    def estimate_text(user_id, text, model_preference):
        """``TextEstimate``: the credits ``Estimate`` of ``text`` (with the balance), recorded."""

    def issued(user_id, estimate_id):
        """The user's ``IssuedEstimate`` ``estimate_id``; ``NotFound`` for another user's or an unknown one."""

    def check_confirm(user_id, estimated_credits, model_preference):
        """The estimate a confirmation of ``estimated_credits`` with ``model_preference`` stands on.

        Only an estimate this server gave this user, of exactly that amount and
        preference, within ``credits.estimate.valid_seconds``, at the current
        pricing version. Raises ``EstimateNotAccepted`` (409, with a ``reason``:
        unknown, expired or outdated) otherwise; writes nothing either way.
        """

    def check_upload(user_id, job, sha256):
        """Refuse (``Conflict``, 409) an upload whose own estimate asks more credits than ``job`` reserved.

        The newest estimate this user was given of the file ``sha256`` at the
        job's model and pricing version decides; a job without a reservation, or
        a file never estimated at that model, passes.
        """


class IExtractionStore(Interface):
    """Chunks extracted from whole books, by ``pipeline.extraction_digest``, in the caller's transaction.

    The estimate of a whole (not capped) book keeps its chunks here, under the
    digest of its SHA-256 with ``pipeline.max_pages``, ``pipeline.chunk_max_words``
    and the default ``ProcessingOptions``; a job with the same digest reads them
    instead of the PDF (``jobs.runner``). Find it with ``find_service`` on a
    request whose ``dbsession`` is the transaction to use.

    Purge: a kept extraction lives ``credits.estimate.keep_days`` days from when
    it was last kept. ``keep`` deletes the extractions older than that in the
    same transaction (one indexed DELETE on ``created_at``), so the table never
    holds more than the books estimated in that many days; ``purge`` does the
    same on demand. ``chunks`` never answers an extraction past its age, purged or not.
    """

    def chunks(digest):
        """The ``pipeline.Chunk`` list kept under ``digest``, in order; None when none is kept (or it is too old)."""

    def keep(digest, chunks):
        """Keep ``chunks`` (``pipeline.Chunk`` items) under ``digest``, replacing an older copy; purge the old ones."""

    def purge(now=None):
        """Delete the extractions older than ``credits.estimate.keep_days``; return how many."""
