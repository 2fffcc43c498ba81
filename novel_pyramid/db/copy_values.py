"""Column values on their way from SQLite's loose storage to PostgreSQL's types.

SQLite keeps whatever it was given: booleans as 0/1, datetimes as text with or
without fractions of a second, over-long strings in VARCHAR columns. Each column
type gets a *converter* that turns a raw stored value into the exact Python value
PostgreSQL will store, or refuses it with a reason (nothing is truncated or
guessed), and a *canonical text* used by the verification checksum, so a value
read back from PostgreSQL and the same value read from SQLite hash alike.
"""

import datetime
import json
import math
import re

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, LargeBinary, String

# PostgreSQL INTEGER is 32 bits; SQLite would have stored anything up to 64.
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
_INTEGER_TEXT = re.compile(r"[+-]?\d+")
_TRUE_TEXTS = {"1", "t", "true"}
_FALSE_TEXTS = {"0", "f", "false"}


class UnconvertibleValue(ValueError):
    """A stored value has no faithful equivalent in the target column type."""


def to_integer(raw):
    if isinstance(raw, bool):
        raw = int(raw)
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str) and _INTEGER_TEXT.fullmatch(raw.strip()):
        raw = int(raw.strip())
    if not isinstance(raw, int):
        raise UnconvertibleValue("is not an integer")
    if not INTEGER_MIN <= raw <= INTEGER_MAX:
        raise UnconvertibleValue("does not fit in a 32-bit INTEGER")
    return raw


def to_float(raw):
    if isinstance(raw, str):
        try:
            raw = float(raw.strip())
        except ValueError:
            raise UnconvertibleValue("is not a number") from None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise UnconvertibleValue("is not a number")
    if not math.isfinite(raw):
        raise UnconvertibleValue("is not a finite number")
    return float(raw)


def to_boolean(raw):
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in _TRUE_TEXTS:
        return True
    if isinstance(raw, str) and raw.strip().lower() in _FALSE_TEXTS:
        return False
    raise UnconvertibleValue("is not a boolean (0/1, true/false)")


def to_datetime(raw):
    """A naive UTC datetime, the way the models store every timestamp."""
    if isinstance(raw, str):
        try:
            raw = datetime.datetime.fromisoformat(raw.strip())
        except ValueError:
            raise UnconvertibleValue("is not an ISO 8601 date and time") from None
    if not isinstance(raw, datetime.datetime):
        raise UnconvertibleValue("is not a date and time")
    if raw.tzinfo is not None:
        raw = raw.astimezone(datetime.UTC).replace(tzinfo=None)
    return raw


def string_converter(max_length):
    def to_string(raw):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise UnconvertibleValue("is bytes that are not valid UTF-8") from None
        if not isinstance(raw, str):
            raise UnconvertibleValue("is not text")
        if "\x00" in raw:
            raise UnconvertibleValue("contains a NUL character, which PostgreSQL cannot store")
        if max_length is not None and len(raw) > max_length:
            raise UnconvertibleValue(f"is {len(raw)} characters long; the column holds at most {max_length}")
        return raw

    return to_string


def to_json_text(raw):
    """JSON stays text end to end, so JSON ``null`` and SQL NULL stay distinct."""
    text = string_converter(None)(raw)
    try:
        json.loads(text)
    except ValueError:
        raise UnconvertibleValue("is not valid JSON") from None
    return text


def to_bytes(raw):
    if isinstance(raw, memoryview):
        return raw.tobytes()
    if not isinstance(raw, bytes):
        raise UnconvertibleValue("is not binary data")
    return raw


def converter_for(column):
    """The function turning a raw stored value of ``column`` into its target value."""
    kind = column.type
    # Order matters: Boolean and DateTime before the broader types they resemble.
    if isinstance(kind, Boolean):
        return to_boolean
    if isinstance(kind, DateTime):
        return to_datetime
    if isinstance(kind, Integer):
        return to_integer
    if isinstance(kind, Float):
        return to_float
    if isinstance(kind, JSON):
        return to_json_text
    if isinstance(kind, String):
        return string_converter(kind.length)
    if isinstance(kind, LargeBinary):
        return to_bytes
    raise TypeError(
        f"Column {column.table.name}.{column.name} has type {kind!r}, which the copy "
        "does not know how to convert; add it to novel_pyramid/db/copy_values.py."
    )


def canonical_text(column):
    """The function giving the checksum's text for a converted value of ``column``."""
    kind = column.type
    if isinstance(kind, Boolean):
        return lambda value: "true" if value else "false"
    if isinstance(kind, DateTime):
        return lambda value: value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(kind, JSON):
        return lambda value: json.dumps(json.loads(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if isinstance(kind, LargeBinary):
        return bytes.hex
    return str
