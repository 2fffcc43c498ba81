"""Kubernetes quantities: the parser, the CRD's pattern, and amounts compared as the API server does."""

import re
from decimal import Decimal

import pytest

from novel_operator.crd import QUANTITY_PATTERN
from novel_operator.quantity import InvalidQuantity, parse_quantity, same_quantity


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1", "1"),
        ("0", "0"),
        ("100m", "0.1"),
        ("1000m", "1"),
        ("0.5", "0.5"),
        (".5", "0.5"),
        ("5.", "5"),
        ("+2", "2"),
        ("-1.5k", "-1500"),
        ("1k", "1000"),
        ("2M", "2000000"),
        ("3G", "3e9"),
        ("1T", "1e12"),
        ("1P", "1e15"),
        ("1E", "1e18"),
        ("1Ki", "1024"),
        ("1.5Mi", "1572864"),
        ("1Gi", "1073741824"),
        ("1Ti", str(2**40)),
        ("1Pi", str(2**50)),
        ("8Ei", str(8 * 2**60)),
        ("1e3", "1000"),
        ("1E3", "1000"),
        ("12e-3", "0.012"),
        ("2e+2", "200"),
        ("1e0", "1"),
        # The API server's parser knows micro and nano too (metrics report CPU in n).
        ("250u", "0.00025"),
        ("100n", "0.0000001"),
        (256, "256"),
    ],
)
def test_parse_quantity_gives_exact_amounts(text, amount):
    assert parse_quantity(text) == Decimal(amount)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "m",
        "Ki",
        ".",
        "1.2.3",
        "1K",
        "1ki",
        "1mi",
        "1e",
        "1e1.5",
        "1 Gi",
        " 1",
        "1Gi ",
        "0x10",
        "1e99999",
    ],
)
def test_parse_quantity_rejects_what_the_grammar_does_not_allow(text):
    with pytest.raises(InvalidQuantity):
        parse_quantity(text)


@pytest.mark.parametrize("value", [True, 0.5, None, [], {}])
def test_parse_quantity_rejects_other_types(value):
    with pytest.raises(InvalidQuantity):
        parse_quantity(value)


@pytest.mark.parametrize(
    ("desired", "normalised"),
    [
        ("1000m", "1"),
        ("0.5", "500m"),
        ("1Gi", "1Gi"),
        ("1024Mi", "1Gi"),
        ("1e3", "1k"),
        (256, "256"),
        ("1.5Gi", "1536Mi"),
    ],
)
def test_the_api_servers_canonical_forms_are_the_same_amounts(desired, normalised):
    assert same_quantity(desired, normalised)


def test_different_amounts_and_non_quantities():
    assert not same_quantity("1", "1001m")
    assert not same_quantity("1Gi", "1G")  # binary and decimal giga differ
    assert same_quantity("25%", "25%") and not same_quantity("25%", "0.25")


@pytest.mark.parametrize("text", ["1", "100m", ".5", "5.", "-1.5k", "1Gi", "8Ei", "12e-3", "2e+2", "250u", "100n"])
def test_the_crd_pattern_accepts_every_quantity_the_parser_does(text):
    parse_quantity(text)
    assert re.fullmatch(QUANTITY_PATTERN, text)


@pytest.mark.parametrize("text", ["", "lots", "1K", "1ki", "1mi", "1e", "1 Gi", " 1", "1Gi ", "0x10", "1.2.3"])
def test_the_crd_pattern_refuses_what_is_not_a_quantity(text):
    assert not re.fullmatch(QUANTITY_PATTERN, text)
