"""Request bodies over their limit are refused (413) before they are read.

A view deriver, because the limit belongs to the view: bodies take
``security.max_body_bytes`` unless the view declares its own with the
``max_body_bytes`` view option (``@service.post(..., max_body_bytes=...)``);
views that take a file (``accepts_files=True``) take ``max_file_size`` plus
room for the form around it, for a multipart body. A multipart body sent to
any other view gets the plain limit: the form type alone buys no larger one.

The length is judged from Content-Length when the client sent one. A chunked
body has none: it is read through a counter that stops at the limit, so even a
lying client cannot make us hold more than the limit in memory.
"""

from novel_pyramid.errors import PayloadTooLarge

# Room for the multipart boundaries and the small form fields beside the file.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
# pyramid_retry copies a body to replay it; a large one is not worth a replay.
RETRYABLE_BODY_BYTES = 256 * 1024


def body_limit(request, declared, accepts_files=False):
    """``(limit in bytes, what to say when it is passed)`` for this request."""
    settings = request.registry.settings
    if accepts_files and request.content_type == "multipart/form-data":
        max_file_size = settings["max_file_size"]
        return (
            max_file_size + MULTIPART_OVERHEAD_BYTES,
            f"The file is larger than the limit of {max_file_size} bytes.",
        )
    limit = declared or settings["security.max_body_bytes"]
    return limit, f"The request body is larger than the limit of {limit} bytes."


def _read_chunked_body(request, limit, message):
    data = request.body_file_raw.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(message)
    request.body = data


def body_size_deriver(view, info):
    if info.exception_only:
        return view
    declared = info.options.get("max_body_bytes")
    accepts_files = bool(info.options.get("accepts_files"))

    def size_checked_view(context, request):
        limit, message = body_limit(request, declared, accepts_files)
        if request.content_length is not None:
            if request.content_length > limit:
                raise PayloadTooLarge(message)
        elif request.is_body_readable:
            _read_chunked_body(request, limit, message)
        return view(context, request)

    return size_checked_view


body_size_deriver.options = ("max_body_bytes", "accepts_files")


# Reads never conflict with another transaction (READ COMMITTED), so they have
# nothing to retry, and their replay would only cost a body copy per request.
SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))


def retry_attempts_for(request):
    """pyramid_retry's ``retry.activate_hook``: one attempt for reads, and for large or unsized bodies.

    To retry a request pyramid_retry first copies its whole body, before any
    view (and so before ``body_size_deriver``) could refuse it.
    """
    if request.method in SAFE_METHODS:
        return 1
    length = request.content_length
    if request.content_type == "multipart/form-data" or length is None or length > RETRYABLE_BODY_BYTES:
        if request.method in ("POST", "PUT", "PATCH"):
            return 1
    return None
