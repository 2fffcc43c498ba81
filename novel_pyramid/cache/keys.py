"""Keys of cached values that belong to no table.

The package that owns a cached table names its keys and adds the rule of its
rows' invalidation (``config.add_cache_invalidation``). The version in each
name changes whenever the shape of the cached value does, so processes of the
previous release never misread what the new one stored.
"""


def chunk_result_key(content_hash):
    """The output of a normalised chunk (``jobs.reuse``): written once, never stale."""
    return f"jobs.chunk_result.v1:{content_hash}"
