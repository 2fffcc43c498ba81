"""Rates ("10/hour") and the tables of them that the rate-limit settings carry.

A rate table is a setting's value (``ratelimit.limits``, ``ratelimit.route_limits``),
so its parser lives with the other parsers, below every subsystem; the buckets
themselves are named in ``novel_pyramid.ratelimit``.
"""

import re
from dataclasses import dataclass

PERIOD_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}

# Not a rate: a bucket or route given it is never limited (health probes).
EXEMPT = "exempt"

_RATE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Rate:
    """At most ``amount`` hits in each fixed window of ``period`` seconds."""

    amount: int
    period: int

    def __str__(self):
        names = {seconds: name for name, seconds in PERIOD_SECONDS.items()}
        return f"{self.amount} per {names.get(self.period, f'{self.period} seconds')}"


def parse_rate(text):
    if isinstance(text, Rate):
        return text
    match = _RATE.match(str(text))
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"a rate like 10/hour (got {text!r})")
    return Rate(int(match.group(1)), PERIOD_SECONDS[match.group(2).lower()])


def as_rate_table(value):
    """Parse ``name=10/hour, other=exempt`` into ``{name: Rate or EXEMPT}``.

    Raises ``ValueError`` finishing the sentence "<setting> must be ...", like
    the parsers of ``novel_pyramid.config.parsers``.
    """
    if isinstance(value, dict):
        items = value.items()
    else:
        entries = [e.strip() for e in str(value).replace("\n", ",").split(",") if e.strip()]
        items = []
        for entry in entries:
            name, sep, rate = entry.partition("=")
            if not sep or not name.strip():
                raise ValueError(f"a list of name=rate pairs like process-pdf=10/hour (got {entry!r})")
            items.append((name.strip(), rate.strip()))
    table = {}
    for name, rate in items:
        table[name] = EXEMPT if str(rate).strip().lower() == EXEMPT else parse_rate(rate)
    return table


def as_rate_table_over(defaults):
    """A parser of rate tables whose names replace their entry of ``defaults``; the others keep theirs."""
    default_table = as_rate_table(defaults)

    def parse(value):
        return {**default_table, **as_rate_table(value)}

    return parse
