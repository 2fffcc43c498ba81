"""Converters and canonical text of the SQLite to PostgreSQL copy."""

import datetime

import pytest
from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, LargeBinary, MetaData, String, Table, Text

from novel_pyramid.db.copy_rows import NULL_MARK, ValueCannotBeCopied, _row_text
from novel_pyramid.db.copy_values import (
    UnconvertibleValue,
    canonical_text,
    converter_for,
    string_converter,
    to_boolean,
    to_datetime,
    to_float,
    to_integer,
    to_json_text,
)
from novel_pyramid.db.urls import with_installed_driver

sample = Table(
    "sample",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("flag", Boolean),
    Column("at", DateTime),
    Column("name", String(5)),
    Column("body", Text),
    Column("doc", JSON),
    Column("blob", LargeBinary),
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(0, False), (1, True), (True, True), ("1", True), ("false", False), (" T ", True)],
)
def test_booleans_stored_loosely_become_booleans(raw, expected):
    assert to_boolean(raw) is expected


@pytest.mark.parametrize("raw", [2, -1, "oui", "", 0.5])
def test_anything_else_is_not_a_boolean(raw):
    with pytest.raises(UnconvertibleValue):
        to_boolean(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-02 03:04:05", datetime.datetime(2024, 1, 2, 3, 4, 5)),
        ("2024-01-02 03:04:05.5", datetime.datetime(2024, 1, 2, 3, 4, 5, 500000)),
        ("2024-01-02 03:04:05.123456", datetime.datetime(2024, 1, 2, 3, 4, 5, 123456)),
        ("2024-01-02T03:04:05", datetime.datetime(2024, 1, 2, 3, 4, 5)),
        # An offset is turned into the naive UTC the models store.
        ("2024-01-02T05:04:05+02:00", datetime.datetime(2024, 1, 2, 3, 4, 5)),
        ("2024-01-02T03:04:05Z", datetime.datetime(2024, 1, 2, 3, 4, 5)),
        ("2024-01-02", datetime.datetime(2024, 1, 2)),
    ],
)
def test_datetimes_as_text_with_or_without_fractions(raw, expected):
    assert to_datetime(raw) == expected


@pytest.mark.parametrize("raw", ["le 3 mai", "2024-13-01 00:00:00", 1704164645, ""])
def test_unreadable_datetimes_are_refused(raw):
    with pytest.raises(UnconvertibleValue):
        to_datetime(raw)


def test_integers_must_fit_postgresql_integer():
    assert to_integer("42") == 42
    assert to_integer(7.0) == 7
    assert to_integer(2**31 - 1) == 2**31 - 1
    for raw in (2**31, "4.5", 4.5, "douze"):
        with pytest.raises(UnconvertibleValue):
            to_integer(raw)


def test_strings_keep_every_character_or_are_refused():
    to_string = string_converter(5)
    assert to_string("Zoë😀") == "Zoë😀"  # length counts characters, as PostgreSQL does
    assert to_string("Éloïse"[:5].encode()) == "Éloïs"
    with pytest.raises(UnconvertibleValue, match="6 characters long"):
        to_string("Éloïse")
    with pytest.raises(UnconvertibleValue, match="NUL"):
        to_string("a\x00b")
    with pytest.raises(UnconvertibleValue, match="UTF-8"):
        to_string(b"\xff")


def test_json_stays_text_and_must_parse():
    assert to_json_text('["Bonjour."]') == '["Bonjour."]'
    assert to_json_text("null") == "null"
    with pytest.raises(UnconvertibleValue):
        to_json_text("[unterminated")


def test_a_new_column_type_must_be_taught_to_the_copy():
    from sqlalchemy import Numeric

    odd = Table("odd", MetaData(), Column("amount", Numeric))
    with pytest.raises(TypeError, match="copy_values.py"):
        converter_for(odd.c.amount)


def canonical_row(values):
    canonical = [canonical_text(column) for column in sample.columns]
    converted = [
        None if value is None else converter_for(column)(value)
        for column, value in zip(sample.columns, values, strict=True)
    ]
    return _row_text(converted, canonical)


def test_sqlite_and_postgresql_forms_of_a_row_hash_alike():
    from_sqlite = canonical_row([1, 1, "2024-01-02 03:04:05", "Zoë", "x", '{"b": 1, "a": [2]}', b"\x00\x01"])
    from_postgresql = canonical_row(
        [
            1,
            True,
            datetime.datetime(2024, 1, 2, 3, 4, 5),
            "Zoë",
            "x",
            '{"a":[2],"b":1}',
            memoryview(b"\x00\x01"),
        ]
    )
    assert from_sqlite == from_postgresql


def test_null_differs_from_every_text_in_the_checksum():
    assert canonical_row([1, None, None, None, None, None, None]) != canonical_row(
        [1, None, None, NULL_MARK, None, None, None]
    )
    assert canonical_row([1, None, None, "", None, None, None]) != canonical_row(
        [1, None, None, None, None, None, None]
    )
    # JSON null is a value, SQL NULL is not.
    assert canonical_row([1, None, None, None, None, "null", None]) != canonical_row(
        [1, None, None, None, None, None, None]
    )


def test_refusal_names_table_row_and_column():
    problem = ValueCannotBeCopied("history", 42, "timestamp", "le 3 mai", "is not a date")
    assert "table history, row id 42, column timestamp" in str(problem)
    assert "'le 3 mai'" in str(problem)


def test_bare_postgresql_urls_get_an_installed_driver():
    converted = with_installed_driver("postgresql://u:p%40ss@db:5432/novel")
    assert converted.startswith("postgresql+psycopg")
    assert converted.endswith("u:p%40ss@db:5432/novel")
    assert with_installed_driver("sqlite:///x.sqlite") == "sqlite:///x.sqlite"
    assert with_installed_driver("postgresql+psycopg2://db/n") == "postgresql+psycopg2://db/n"


@pytest.mark.parametrize(("raw", "expected"), [(0.5, 0.5), (2, 2.0), ("0.25", 0.25), (" 3 ", 3.0)])
def test_numbers_stored_loosely_become_floats(raw, expected):
    assert to_float(raw) == expected
    assert isinstance(to_float(raw), float)


@pytest.mark.parametrize(
    ("raw", "reason"), [("beaucoup", "is not a number"), (True, "is not a number"), ("nan", "finite")]
)
def test_what_is_no_finite_number_is_refused_with_its_reason(raw, reason):
    with pytest.raises(UnconvertibleValue, match=reason):
        to_float(raw)
