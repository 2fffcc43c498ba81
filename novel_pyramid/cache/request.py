"""The cache as one request sees it: entries fetched together, ahead of their use."""

from zope.interface import implementer

from novel_pyramid.cache.interfaces import IAppCache


@implementer(IAppCache)
class RequestCache:
    """The application cache, wrapped for one request.

    A signed-in request reads its user's identity and, usually, one more entry
    of the same user (settings, history). Each read is a round trip to Redis,
    which costs more CPU than the rest of the lookup; ``prefetch`` reads them
    all in one. A prefetched value is served once, to the first
    ``get_or_create`` of its key: a later read in the same request asks the
    cache again, as it would have without the prefetch.
    """

    def __init__(self, cache):
        self.cache = cache
        self._prefetched = {}

    def prefetch(self, keys):
        wanted = [key for key in keys if key not in self._prefetched]
        self._prefetched.update(self.cache.get_many(wanted))

    def get_or_create(self, key, creator):
        try:
            return self._prefetched.pop(key)
        except KeyError:
            return self.cache.get_or_create(key, creator)

    def get_many(self, keys):
        found = {key: self._prefetched.pop(key) for key in keys if key in self._prefetched}
        return {**found, **self.cache.get_many([key for key in keys if key not in found])}

    def set_many(self, mapping):
        for key in mapping:
            self._prefetched.pop(key, None)
        self.cache.set_many(mapping)

    def invalidate(self, *keys):
        for key in keys:
            self._prefetched.pop(key, None)
        self.cache.invalidate(*keys)

    def ping(self):
        self.cache.ping()
