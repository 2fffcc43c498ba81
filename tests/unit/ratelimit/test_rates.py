import pytest

from novel_pyramid.ratelimit.rates import DEFAULT_RATES, EXEMPT, Rate, as_rate_table, parse_rate


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


def test_contract_defaults():
    assert str(DEFAULT_RATES["process-pdf"]) == "10 per hour"
    assert str(DEFAULT_RATES["export"]) == "5 per hour"
    assert str(DEFAULT_RATES["default"]) == "100 per hour"


def test_rate_table():
    assert as_rate_table("process-pdf=20/hour, v1.health=exempt\nlogin=5/minute") == {
        "process-pdf": Rate(20, 3600),
        "v1.health": EXEMPT,
        "login": Rate(5, 60),
    }
    assert as_rate_table({"default": "7/day"}) == {"default": Rate(7, 86400)}
    assert as_rate_table("") == {}


@pytest.mark.parametrize("text", ["process-pdf", "=10/hour", "default=lots"])
def test_rate_table_refuses(text):
    with pytest.raises(ValueError):
        as_rate_table(text)


def test_bad_rate_setting_stops_the_start():
    from novel_pyramid.config import ConfigurationError, load_settings

    with pytest.raises(ConfigurationError, match=r"ratelimit.limits \(RATELIMIT_LIMITS\)"):
        load_settings({"environment": "testing"}, {"RATELIMIT_LIMITS": "default=often"})
