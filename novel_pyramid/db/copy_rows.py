"""Reading a table's rows in primary-key order, converted, and hashing them.

Rows are read *raw* (no SQLAlchemy type processing), so the converters of
``copy_values`` see exactly what SQLite stored and can name what they refuse.
The same reader serves the copy and the verification pass, on either side.
"""

import hashlib
from dataclasses import dataclass

from sqlalchemy import JSON, String, Text, cast, column, func, select, table

from novel_pyramid.db.copy_values import (
    UnconvertibleValue,
    canonical_text,
    converter_for,
)

# Marks a NULL in the checksum text; every other value is length-prefixed, so no
# value can imitate it or run into its neighbour.
NULL_MARK = "N"
_VALUE_PREVIEW_LENGTH = 60


class ValueCannotBeCopied(Exception):
    """A value the target type cannot hold: names the table, row id and column."""

    def __init__(self, table_name, row_id, column_name, value, reason):
        preview = repr(value)
        if len(preview) > _VALUE_PREVIEW_LENGTH:
            preview = preview[:_VALUE_PREVIEW_LENGTH] + "..."
        super().__init__(
            f"Cannot copy table {table_name}, row id {row_id!r}, column {column_name}: "
            f"the value {preview} {reason}. Correct it in the source and run the copy again."
        )
        self.table_name = table_name
        self.row_id = row_id
        self.column_name = column_name


@dataclass(frozen=True)
class TableDigest:
    rows: int
    sha256: str


def primary_key_value(model_table, row):
    names = [col.name for col in model_table.columns]
    values = tuple(row[names.index(col.name)] for col in model_table.primary_key.columns)
    return values[0] if len(values) == 1 else values


def converted_batches(connection, model_table, batch_size):
    """Yield lists of rows (tuples in column order) converted for the target."""
    converters = [(col.name, converter_for(col)) for col in model_table.columns]
    for raw_rows in _raw_batches(connection, model_table, batch_size):
        yield [_convert_row(model_table, raw, converters) for raw in raw_rows]


def table_digest(connection, model_table, batch_size=2000):
    """Row count and SHA-256 of every column of every row, in primary-key order."""
    canonical = [canonical_text(col) for col in model_table.columns]
    digest = hashlib.sha256()
    rows = 0
    for batch in converted_batches(connection, model_table, batch_size):
        for row in batch:
            digest.update(_row_text(row, canonical).encode("utf-8"))
            rows += 1
    return TableDigest(rows=rows, sha256=digest.hexdigest())


def count_rows(connection, model_table):
    return connection.scalar(select(func.count()).select_from(table(model_table.name)))


def _raw_batches(connection, model_table, batch_size):
    postgresql = connection.dialect.name == "postgresql"
    columns = [_raw_column(col, postgresql) for col in model_table.columns]
    order = [_sort_key(col, postgresql) for col in model_table.primary_key.columns]
    statement = select(*columns).select_from(table(model_table.name)).order_by(*order)
    result = connection.execution_options(stream_results=True, yield_per=batch_size).execute(statement)
    yield from result.partitions()


def _raw_column(model_column, postgresql):
    raw = column(model_column.name)
    if postgresql and isinstance(model_column.type, JSON):
        # psycopg2 would parse JSON, turning JSON null into None like SQL NULL.
        return cast(raw, Text).label(model_column.name)
    return raw


def _sort_key(model_column, postgresql):
    key = column(model_column.name)
    if postgresql and isinstance(model_column.type, String):
        # Byte order, as SQLite sorts, whatever the database's collation.
        return key.collate("C")
    return key


def _convert_row(model_table, raw, converters):
    converted = []
    for value, (name, convert) in zip(raw, converters, strict=True):
        if value is None:
            converted.append(None)
            continue
        try:
            converted.append(convert(value))
        except UnconvertibleValue as problem:
            row_id = primary_key_value(model_table, raw)
            raise ValueCannotBeCopied(model_table.name, row_id, name, value, problem) from None
    return tuple(converted)


def _row_text(row, canonical):
    parts = []
    for value, to_text in zip(row, canonical, strict=True):
        if value is None:
            parts.append(NULL_MARK)
        else:
            text = to_text(value)
            parts.append(f"{len(text)}:{text}")
    return "|".join(parts) + "\n"
