"""The PDF pipeline: extraction (``extract``, ``layout``), sentence splitting (``sentences``), chunking (``chunking``).

``extraction_digest`` names everything that decides the chunks an upload is
cut into, so a job can reuse the chunks of an earlier job with the same digest
instead of reading the PDF again (``jobs.runner``).
"""

import hashlib
import json

import pypdf

# Raise whenever a change to this package can change the chunks (their text,
# sentence boundaries or cut points) of some PDF: earlier extractions are then
# no longer reused.
EXTRACTION_VERSION = 2


def extraction_digest(upload_sha256, *, max_pages, chunk_max_words):
    """Hex SHA-256 over the upload's SHA-256 and everything else that shapes its chunks.

    pypdf's version is part of it: a new release may read the same bytes differently.
    """
    canonical = json.dumps(
        [EXTRACTION_VERSION, pypdf.__version__, str(upload_sha256), int(max_pages), int(chunk_max_words)],
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()
