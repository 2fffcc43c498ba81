"""The PDF pipeline: extraction (``extract``, ``layout``), sentence splitting (``sentences``), chunking (``chunking``).

``extract_chunks`` reads an upload into ``Chunk`` items (sentences and the
pages they were printed on), under the job's ``ProcessingOptions``.
``extraction_digest`` names everything that decides the chunks an upload is
cut into, so a job can reuse the chunks of an earlier job with the same digest
instead of reading the PDF again (``jobs.runner``).
"""

import hashlib
import json

import pypdf

from novel_pyramid.pipeline.chunking import Chunk, extract_chunks
from novel_pyramid.pipeline.options import ProcessingOptions

__all__ = ["EXTRACTION_VERSION", "Chunk", "ProcessingOptions", "extract_chunks", "extraction_digest"]

# Raise whenever a change to this package can change the chunks (their text,
# sentence boundaries, cut points or pages) of some PDF: earlier extractions
# are then no longer reused. 3: chunks carry their pages.
EXTRACTION_VERSION = 3


def extraction_digest(upload_sha256, *, max_pages, chunk_max_words, options=ProcessingOptions()):
    """Hex SHA-256 over the upload's SHA-256 and everything else that shapes its chunks.

    pypdf's version is part of it: a new release may read the same bytes
    differently. Of the options, only ``fix_hyphenation`` changes extraction.
    """
    canonical = json.dumps(
        [
            EXTRACTION_VERSION,
            pypdf.__version__,
            str(upload_sha256),
            int(max_pages),
            int(chunk_max_words),
            {"fix_hyphenation": bool(options.fix_hyphenation)},
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()
