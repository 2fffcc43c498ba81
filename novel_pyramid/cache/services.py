"""A base for services that read through the cache and open a database session only on a miss."""

from novel_pyramid.cache import cache_of, request_cache


class CachedReadService:
    def __init__(self, dbsession, cache=None, request=None):
        self._dbsession = dbsession
        self._request = request
        self.cache = cache if cache is not None else cache_of(dbsession)

    @classmethod
    def for_request(cls, request):
        """The service of a request; it opens the request's session only when it needs the database.

        A cached read then costs no session at all (creating one and joining it
        to the transaction was a fifth of a cached request's CPU).
        """
        return cls(None, cache=request_cache(request), request=request)

    @property
    def db(self):
        if self._dbsession is None:
            self._dbsession = self._request.dbsession
        return self._dbsession
