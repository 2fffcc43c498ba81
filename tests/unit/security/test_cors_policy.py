import pytest

from novel_pyramid.security.cors import CorsPolicy, normalise_origin


@pytest.mark.parametrize(
    ("origin", "normalised"),
    [
        ("http://localhost:3000", "http://localhost:3000"),
        ("https://App.Example.com/", "https://app.example.com"),
        ("https://app.example.com:8443", "https://app.example.com:8443"),
        ("https://app.example.com:443", "https://app.example.com"),
        ("http://app.example.com:80/", "http://app.example.com"),
        ("HTTPS://app.example.com.", "https://app.example.com"),
        (" https://app.example.com ", "https://app.example.com"),
    ],
)
def test_normalise_origin(origin, normalised):
    assert normalise_origin(origin) == normalised


@pytest.mark.parametrize(
    "origin", ["*", "null", "localhost:3000", "ftp://x.example", "https://x.example/app", "https://u@x.example"]
)
def test_unusable_origins(origin):
    with pytest.raises(ValueError):
        normalise_origin(origin)


def test_policy_matches_exactly():
    policy = CorsPolicy(["https://app.example.com"], max_age=600)
    assert policy.allows("https://app.example.com")
    assert policy.allows("https://APP.example.com")
    assert not policy.allows("https://app.example.com.evil.example")
    assert not policy.allows("http://app.example.com")
    assert not policy.allows("null")
    assert not policy.allows("https://app.example.com:444")


def test_a_configured_default_port_matches_what_browsers_send():
    policy = CorsPolicy(["https://app.example.com:443", "http://localhost:3000/"], max_age=600)
    assert policy.allows("https://app.example.com")
    assert policy.allows("http://localhost:3000")
    assert not policy.allows("http://app.example.com")
