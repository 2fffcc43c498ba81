import pytest

from novel_pyramid.config import ConfigurationError, load_settings
from novel_pyramid.config.rates import EXEMPT, Rate, as_rate_table, parse_rate


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("10/hour", Rate(10, 3600)),
        ("5 per hour", Rate(5, 3600)),
        ("100/Hours", Rate(100, 3600)),
        ("3/second", Rate(3, 1)),
        ("1 / day", Rate(1, 86400)),
    ],
)
def test_parse_rate(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "10", "ten/hour", "0/hour", "10/fortnight", "-1/hour"])
def test_parse_rate_refuses(text):
    with pytest.raises(ValueError, match="a rate like 10/hour"):
        parse_rate(text)


def test_the_documented_default_rates():
    limits = load_settings({}, {})["ratelimit.limits"]
    assert {bucket: str(rate) for bucket, rate in limits.items()} == {
        "process-pdf": "10 per hour",
        "estimate": "30 per hour",
        "export": "5 per hour",
        "sheets-import": "20 per hour",
        "default": "100 per hour",
    }


def test_buckets_named_replace_their_default_and_the_others_keep_it():
    limits = load_settings({}, {"RATELIMIT_LIMITS": "export=exempt, default=3/minute"})["ratelimit.limits"]
    assert limits == {
        "process-pdf": Rate(10, 3600),
        "estimate": Rate(30, 3600),
        "export": EXEMPT,
        "sheets-import": Rate(20, 3600),
        "default": Rate(3, 60),
    }
    assert load_settings({}, {})["ratelimit.route_limits"] == {}


def test_rate_table():
    assert as_rate_table("process-pdf=20/hour, v1.health=exempt\nlogin=5/minute") == {
        "process-pdf": Rate(20, 3600),
        "v1.health": EXEMPT,
        "login": Rate(5, 60),
    }
    assert as_rate_table({"default": "7/day", "export": Rate(1, 60)}) == {
        "default": Rate(7, 86400),
        "export": Rate(1, 60),
    }
    assert as_rate_table("") == {}


@pytest.mark.parametrize("text", ["process-pdf", "=10/hour", "default=lots"])
def test_rate_table_refuses(text):
    with pytest.raises(ValueError):
        as_rate_table(text)


def test_bad_rate_setting_stops_the_start():
    with pytest.raises(ConfigurationError, match=r"ratelimit.limits \(RATELIMIT_LIMITS\)"):
        load_settings({"environment": "testing"}, {"RATELIMIT_LIMITS": "default=often"})
