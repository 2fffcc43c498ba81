"""The client's address, taken from ``X-Forwarded-For`` only as far as our own proxies vouch for it.

Each proxy appends the address it received the request from, so with N trusted
proxies in front of the app the client is the N-th entry from the right;
anything further left was written by the client and may be forged. With no
trusted proxies (the default) the header is ignored and the socket peer is the client.
"""

import ipaddress


def parse_address(text):
    """An IP address in canonical form, accepting ``1.2.3.4:port`` and ``[v6]:port``; else ``None``."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def resolve_client_address(peer_address, forwarded_for, trusted_proxies):
    """The client's address given the socket peer, the ``X-Forwarded-For`` value and the proxy count."""
    if trusted_proxies <= 0 or not forwarded_for:
        return peer_address
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    if len(hops) < trusted_proxies:
        # Fewer hops than proxies: the request did not come through all of them,
        # so the header cannot be trusted.
        return peer_address
    return parse_address(hops[-trusted_proxies]) or peer_address


def client_address_tween_factory(handler, registry):
    """Rewrite the WSGI environ once, so every reader (``request.client_addr``,
    ``request.remote_addr``, rate limits, session records) sees the resolved client.

    ``X-Forwarded-For`` is removed because WebOb's ``client_addr`` would otherwise
    return its leftmost entry, which the client controls. The originals stay in
    ``novel_pyramid.forwarded_for`` and ``novel_pyramid.peer_addr`` for diagnostics.
    """
    trusted_proxies = registry.settings["security.trusted_proxies"]

    def client_address_tween(request):
        environ = request.environ
        forwarded_for = environ.pop("HTTP_X_FORWARDED_FOR", None)
        peer_address = environ.get("REMOTE_ADDR")
        environ["novel_pyramid.forwarded_for"] = forwarded_for
        environ["novel_pyramid.peer_addr"] = peer_address
        client = resolve_client_address(peer_address, forwarded_for, trusted_proxies)
        if client is not None:
            environ["REMOTE_ADDR"] = client
        return handler(request)

    return client_address_tween
