"""Kubernetes resource quantities, parsed to exact values so that equal amounts compare equal.

The API server rewrites quantities in a canonical form (``1000m`` -> ``1``,
``0.5`` -> ``500m``, ``1024Mi`` -> ``1Gi``, ``1e3`` -> ``1k``, ``256`` -> ``"256"``);
comparing the strings would make the operator patch an unchanged object on every
pass. :class:`~decimal.Decimal` keeps every quantity exact, which floats would not
(``0.1`` CPU, ``1Ei`` bytes).

The grammar is the one of ``k8s.io/apimachinery/pkg/api/resource``::

    <quantity>        ::= <signedNumber><suffix>
    <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
    <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
    <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
    <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>
    <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
"""

import decimal
import re
from decimal import Decimal
from typing import Any

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}

# The exponent is tried before the decimal suffixes, so "1E3" is 1000 while "1E" is one exa.
_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))"
    r"(?:(?P<binary>[KMGTPE]i)|[eE](?P<exponent>[+-]?\d+)|(?P<decimal>[numkMGTPE]?))"
)

# Enough digits for any quantity the API server accepts (it caps them near 2**63 and 10**-9).
_CONTEXT = decimal.Context(prec=100, Emin=-999_999, Emax=999_999)


class InvalidQuantity(ValueError):
    """Not a Kubernetes quantity."""


def parse_quantity(value: Any) -> Decimal:
    """The exact amount ``value`` stands for: ``parse_quantity("1Gi") == parse_quantity("1024Mi")``.

    Integers are accepted as they are (the CRD lets ``memory: 256`` through as
    an integer); booleans and floats are not, the API server refusing both.
    """
    if isinstance(value, bool):
        raise InvalidQuantity(f"not a quantity: {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if not isinstance(value, str):
        raise InvalidQuantity(f"not a quantity: {value!r}")
    match = _QUANTITY.fullmatch(value)
    if match is None:
        raise InvalidQuantity(f"not a quantity: {value!r}")
    number = Decimal(match["number"])
    if match["binary"] is not None:
        return _CONTEXT.multiply(number, Decimal(_BINARY[match["binary"]]))
    exponent = int(match["exponent"]) if match["exponent"] is not None else _DECIMAL[match["decimal"]]
    if abs(exponent) > 10_000:
        # Beyond anything the API server stores, and Decimal arithmetic on it is slow.
        raise InvalidQuantity(f"exponent out of range: {value!r}")
    return number.scaleb(exponent, _CONTEXT)


def same_quantity(desired: Any, existing: Any) -> bool:
    """Whether two quantities are the same amount; values that are not quantities compare as written."""
    try:
        return parse_quantity(desired) == parse_quantity(existing)
    except InvalidQuantity:
        return desired == existing
