"""Nothing the API answers is stored by a browser or a shared cache unless a view says so.

An answer to a request that carried credentials (``Authorization``) holds one
user's data: it always gets ``Cache-Control: no-store``, whatever the view set,
error answers included. Other answers get it too unless the view chose its own
caching, because some of them also carry secrets (sign-in returns tokens to a
request without ``Authorization``).
"""

NO_STORE = "no-store"


def no_store_tween_factory(handler, registry):
    def no_store_tween(request):
        response = handler(request)
        if "Authorization" in request.headers:
            response.headers["Cache-Control"] = NO_STORE
        else:
            response.headers.setdefault("Cache-Control", NO_STORE)
        return response

    return no_store_tween
