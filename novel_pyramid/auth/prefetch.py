"""Views name the cached entries of the signed-in user they read; one round trip fetches them all.

``@service.get(permission=AUTHENTICATED, cache_prefetch=(settings_key,))``: before
the permission check, the user id of the (verified) access token gives the keys
of the view's entries, read together with one ``MGET``
(``RequestCache.prefetch``). The view then reads its values as usual and finds
them there. Nothing is trusted earlier than before: the session is still
checked in the database, and a prefetched entry is only the value the view's
own read would have returned a moment later.
"""

from pyramid.interfaces import ISecurityPolicy
from pyramid.viewderivers import INGRESS

from novel_pyramid.cache import request_cache


def cache_prefetch_deriver(view, info):
    key_functions = info.options.get("cache_prefetch")
    if not key_functions or info.exception_only:
        return view

    # Resolved once, as Pyramid's own permission check does: the policy is registered
    # (PHASE2_CONFIG) before any view. A plugin may have replaced ours; then nothing is prefetched.
    claimed_user_id = getattr(info.registry.queryUtility(ISecurityPolicy), "claimed_user_id", None)
    if claimed_user_id is None:
        return view

    def prefetching_view(context, request):
        user_id = claimed_user_id(request)
        if user_id is not None:
            request_cache(request).prefetch([key(user_id) for key in key_functions])
        return view(context, request)

    return prefetching_view


cache_prefetch_deriver.options = ("cache_prefetch",)


def includeme(config):
    # Before the permission check: the verified token's user id is all it needs.
    config.add_view_deriver(cache_prefetch_deriver, under=INGRESS, over="secured_view")
