"""The application cache as a replaceable service."""

from zope.interface import Interface


class IAppCache(Interface):
    """A shared cache of plain data (JSON-compatible dicts, lists, numbers, strings).

    Every backend (Redis, this process's memory, null) does the same things;
    ``tests/unit/cache/contract.py`` states them once for all of them.
    """

    def get_or_create(key, creator):
        """The value cached under ``key``, else ``creator()``'s result, cached.

        Concurrent misses of one key are coalesced: a single caller runs
        ``creator`` while the others wait for its value. When the backend fails,
        ``creator()`` is called directly and a warning logged: a cache outage
        never fails a request.
        """

    def get_many(keys):
        """``{key: value}`` for the ``keys`` that are cached, in one round trip; misses are left out.

        A backend failure gives ``{}`` (and a warning): the callers then read
        each value through ``get_or_create``.
        """

    def set_many(mapping):
        """Store every ``{key: value}`` of ``mapping`` in one round trip, without the miss lock.

        Only for values that never change once made (results keyed by their own
        content): two callers storing one key at once store the same value, so
        there is nothing to coalesce. A backend failure stores nothing (and logs
        a warning); values that are not plain data raise ``TypeError``.
        """

    def invalidate(*keys):
        """Forget ``keys`` now, in every process that shares the backend."""

    def ping():
        """Raise when the backend cannot be reached (health checks, tests)."""
