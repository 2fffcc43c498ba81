"""What is cached under which key, and which row changes make an entry stale.

The version in each name changes whenever the shape of the cached value does, so
processes of the previous release never misread what the new one stored.
"""


def settings_key(user_id):
    """The user's settings as the API shows them."""
    return f"accounts.settings.v2:{int(user_id)}"


def history_key(user_id):
    """The newest history entries of the user, each as the API's JSON text."""
    return f"history.latest.v2:{int(user_id)}"


def chunk_result_key(content_hash):
    """The output of a normalised chunk (``jobs.reuse``): written once, never stale."""
    return f"jobs.chunk_result.v1:{content_hash}"


# For every table whose rows feed a cached value: the keys a change of one row
# (an ORM object) makes stale. Tables are named rather than models imported, so the
# models' packages can use the cache without an import cycle. Bulk UPDATE/DELETE
# statements bypass the ORM unit of work: code issuing them calls
# ``invalidate_after_commit`` itself (history/services.py). Sign-in sessions
# and accounts are not cached: whether a session may act is read from the
# database on every request (auth/standing.py).
STALE_KEYS_OF_CHANGED_ROW = {
    "user_settings": lambda settings: (settings_key(settings.user_id),),
    "history": lambda entry: (history_key(entry.user_id),),
}
