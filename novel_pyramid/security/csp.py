"""Content-Security-Policy on every response.

An API answer should never be rendered as a page, so the default forbids
everything (``default-src 'none'``) and framing (``frame-ancestors 'none'``).
The ``security.csp`` setting (CONTENT_SECURITY_POLICY) replaces it; a view that
serves HTML sets its own policy, which is kept.
"""

DEFAULT_POLICY = "default-src 'none'; frame-ancestors 'none'"


def content_security_policy_tween_factory(handler, registry):
    policy = registry.settings.get("security.csp") or DEFAULT_POLICY

    def content_security_policy_tween(request):
        response = handler(request)
        response.headers.setdefault("Content-Security-Policy", policy)
        return response

    return content_security_policy_tween
