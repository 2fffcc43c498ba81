import pytest

from novel_pyramid.security.addresses import parse_address, resolve_client_address

PEER = "10.0.0.9"


@pytest.mark.parametrize(
    ("forwarded_for", "trusted", "client"),
    [
        (None, 0, PEER),
        ("203.0.113.7", 0, PEER),  # No trusted proxy: the header is the client's own words.
        ("203.0.113.7", 1, "203.0.113.7"),
        ("6.6.6.6, 203.0.113.7", 1, "203.0.113.7"),  # The forged entry is ignored.
        ("6.6.6.6, 203.0.113.7, 10.0.0.2", 2, "203.0.113.7"),
        ("203.0.113.7", 2, PEER),  # Fewer hops than proxies: not trusted.
        ("not-an-ip", 1, PEER),
        ("", 1, PEER),
        ("203.0.113.7:51234", 1, "203.0.113.7"),
        ("[2001:db8::1]:443", 1, "2001:db8::1"),
        ("2001:DB8::1", 1, "2001:db8::1"),
    ],
)
def test_resolve_client_address(forwarded_for, trusted, client):
    assert resolve_client_address(PEER, forwarded_for, trusted) == client


def test_parse_address_refuses_names():
    assert parse_address("example.com") is None
    assert parse_address("unknown") is None
