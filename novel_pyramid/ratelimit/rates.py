"""The rate-limit buckets (docs/api.md, "Everywhere": rate limits).

Routes name one with the ``rate_limit`` view option; routes that name none
share ``DEFAULT_BUCKET``. Each bucket's rate is a setting (``ratelimit.limits``,
declared with its default in ``novel_pyramid.config.declarations``).
"""

from novel_pyramid.config.rates import EXEMPT  # noqa: F401

PROCESSING_BUCKET = "process-pdf"
# Reading a PDF for an estimate; its own bucket, so that estimating a book does not spend an upload.
ESTIMATE_BUCKET = "estimate"
EXPORT_BUCKET = "export"
# Reading a user's Google Sheet into a history entry: Google's quota is the user's, and an entry is written.
SHEETS_IMPORT_BUCKET = "sheets-import"
DEFAULT_BUCKET = "default"
