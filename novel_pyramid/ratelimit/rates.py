"""The rate-limit buckets (docs/api.md, "Everywhere": rate limits).

Routes name one with the ``rate_limit`` view option; routes that name none
share ``DEFAULT_BUCKET``. Each bucket's rate is a setting (``ratelimit.limits``,
declared with its default in ``novel_pyramid.config.declarations``).
"""

from novel_pyramid.config.rates import EXEMPT  # noqa: F401

PROCESSING_BUCKET = "process-pdf"
EXPORT_BUCKET = "export"
DEFAULT_BUCKET = "default"
