"""The estimates subsystem's service: what an uploaded PDF holds and what normalising it would cost."""

from zope.interface import Interface


class IEstimateService(Interface):
    """Reads an uploaded PDF for the frontend's estimate step; writes nothing, commits nothing."""

    def extract_text(upload):
        """``PdfText`` of the multipart field ``upload``: its paragraphs' text and its page count.

        Raises ``PayloadTooLarge`` over ``max_file_size`` and ``InvalidPdf`` for a file we cannot read.
        """

    def estimate(upload, model_preference):
        """``PdfEstimate`` of what normalising ``upload`` with ``model_preference`` would cost.

        Over ``credits.estimate.max_pages`` pages, only the first ones are read and their
        tokens scaled to the whole book (``capped``, with a ``warning``).
        """
