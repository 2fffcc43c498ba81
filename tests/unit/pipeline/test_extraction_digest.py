"""The extraction digest: the same bytes at the same settings, and nothing else, share one."""

import hashlib

import pytest

from novel_pyramid.pipeline import extraction_digest

UPLOAD = hashlib.sha256(b"%PDF-1.7 a novel").hexdigest()
DIGEST = extraction_digest(UPLOAD, max_pages=2000, chunk_max_words=1200)


def test_the_same_upload_at_the_same_settings_has_the_same_digest():
    assert extraction_digest(UPLOAD, max_pages=2000, chunk_max_words=1200) == DIGEST
    assert len(DIGEST) == 64 and DIGEST != UPLOAD


@pytest.mark.parametrize(
    "other",
    [
        extraction_digest(hashlib.sha256(b"%PDF-1.7 another novel").hexdigest(), max_pages=2000, chunk_max_words=1200),
        extraction_digest(UPLOAD, max_pages=1999, chunk_max_words=1200),
        extraction_digest(UPLOAD, max_pages=2000, chunk_max_words=1201),
        # The two numbers cannot trade places.
        extraction_digest(UPLOAD, max_pages=1200, chunk_max_words=2000),
    ],
)
def test_other_bytes_or_settings_change_the_digest(other):
    assert other != DIGEST
